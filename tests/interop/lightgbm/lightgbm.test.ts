// dfp's gradient-boosted trees against LightGBM, the field's reference learner (PyPI, a test peer only): the
// same rows of the shared file's time split (train before 2019-10, test 2019-10..12), equivalent
// hyper-parameters, test ROC-AUC within 0.005 of LightGBM's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rocAuc } from '../../../src/core/ml/eval/roc.ts';
import { boost, DEFAULT_BOOST } from '../../../src/core/ml/trees/boost.ts';
import { predictProba } from '../../../src/core/ml/trees/ensemble.ts';
import { haveRealData, REAL_2019 } from '../../support/shared-data.ts';
import { timeSplit } from '../../support/time-split.ts';
import { F, lightgbmMissing, runLightgbm } from './data.ts';

test('test ROC-AUC within 0.005 of LightGBM on the shared file time split', async (t) => {
  if (!haveRealData(t)) return;
  const why = lightgbmMissing();
  if (why) return t.skip(why);
  const split = await timeSplit(REAL_2019);
  assert.ok(split.train.n > 900 && split.test.n > 500, `split ${split.train.n}/${split.test.n}`);
  for (const params of [
    { ...DEFAULT_BOOST, iterations: 300, learningRate: 0.05 },
    { ...DEFAULT_BOOST, iterations: 200, learningRate: 0.1, maxLeaves: 15, subsample: 0.8, colsample: 0.5, classWeight: 'balanced' as const, seed: 7 },
  ]) {
    const ours = rocAuc(Array.from(split.test.y), Array.from(predictProba(boost(split.train, F, params).model, split.test.x, split.test.n)));
    const theirs = runLightgbm(split, params).roc_auc!;
    t.diagnostic(`dfp ${ours.toFixed(4)} vs LightGBM ${theirs.toFixed(4)} (${JSON.stringify(params)})`);
    assert.ok(Math.abs(ours - theirs) <= 0.005, `dfp ${ours} vs LightGBM ${theirs}`);
  }
});
