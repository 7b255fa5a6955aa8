// Tree ensembles to TFLite: the dense lowering of TreeEnsembleRegressor run by Google's LiteRT interpreter
// (builtin kernels and XNNPACK) on real rows of the shared file equals dfp's own tree evaluation within 1e-5.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FEATURE_COLUMNS } from '../../core/kronodroid/schema.ts';
import { boost } from '../../core/ml/trees/boost.ts';
import { predictMargin } from '../../core/ml/trees/ensemble.ts';
import { buildTreeInference } from '../../core/ml/trees/onnx.ts';
import { mlpParams } from '../../core/ml/graph/mlp.ts';
import { initParams } from '../../core/ml/init.ts';
import { buildBlendInference } from '../../core/ml/models/blend.ts';
import { classifierMlp } from '../../core/ml/models/classifier.ts';
import { fitPreprocess } from '../../core/ml/models/preprocess.ts';
import { ModelSession } from '../../runtime/session.ts';
import { haveRealData, REAL_2019 } from '../../../tests/support/shared-data.ts';
import { timeSplit } from '../../../tests/support/time-split.ts';
import { litertAvailable, runLitertMany } from '../testing/litert.ts';
import { exportTflite } from './export-tflite.ts';

const dir = mkdtempSync(join(tmpdir(), 'dfp-tflite-trees-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a tree detector trained on the shared file: LiteRT scores its later months as dfp does (≤ 1e-5)', async (t) => {
  if (!haveRealData(t)) return;
  const F = FEATURE_COLUMNS.length;
  const split = await timeSplit(REAL_2019);
  const { model } = boost(split.train, F, { iterations: 150, learningRate: 0.1, subsample: 0.8, colsample: 0.6, seed: 1 });
  const platt = { a: 1.1, b: -0.3 };
  const exported = exportTflite(buildTreeInference(model, platt), dir, { name: 'trees' });
  assert.deepEqual(exported.outputs.map((o) => o.name), ['score']);
  assert.equal(exported.inputs[0]?.shape[0], -1, 'dynamic batch');
  assert.ok(!exported.ops.some((op) => op.startsWith('CUSTOM')), `builtin ops only: ${exported.ops}`);
  const why = litertAvailable();
  if (why !== true) return t.skip(why);
  // Real rows, and the same rows with a third of the values missing (NaN).
  const n = split.test.n;
  const holes = Float32Array.from(split.test.x, (v, i) => (i % 3 === 1 ? NaN : v));
  const cases = [split.test.x, holes];
  const runs = cases.flatMap((x) => [false, true].map((delegates) => ({ model: exported.path, inputs: { x: { shape: [n, F], data: x } }, delegates })));
  const lite = runLitertMany(runs);
  runs.forEach((r, k) => {
    const x = r.inputs.x.data;
    const margin = predictMargin(model, x, n);
    const got = lite[k]!.outputs.find((o) => o.name === 'score')!.data;
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i]! - 1 / (1 + Math.exp(-(platt.a * margin[i]! + platt.b)))));
    assert.ok(worst <= 1e-5, `case ${k} (delegates ${r.delegates}): largest difference ${worst}`);
  });
});

test('the blend detector (MLP and trees in one graph): LiteRT scores real rows as onnxruntime does (≤ 1e-5)', async (t) => {
  if (!haveRealData(t)) return;
  const F = FEATURE_COLUMNS.length;
  const split = await timeSplit(REAL_2019);
  const { model } = boost(split.train, F, { iterations: 60, learningRate: 0.1, seed: 2 });
  const pre = fitPreprocess(split.train.x, { clip: 3 });
  const mlp = classifierMlp(F, { hidden: [16], activation: 'relu', dropout: 0 });
  const blend = buildBlendInference({ pre, mlp, params: initParams(mlpParams(mlp), 5), platt: { a: 0.8, b: 0.1 } }, { ensemble: model, platt: { a: 1.2, b: -0.2 } });
  const exported = exportTflite(blend, dir, { name: 'blend' });
  assert.ok(!exported.ops.some((op) => op.startsWith('CUSTOM')), `builtin ops only: ${exported.ops}`);
  const why = litertAvailable();
  if (why !== true) return t.skip(why);
  const n = split.test.n;
  const want = (await ModelSession.scoreOnce(blend, split.test.x)).scores;
  const [lite] = runLitertMany([{ model: exported.path, inputs: { x: { shape: [n, F], data: split.test.x } }, delegates: false }]);
  const got = lite!.outputs.find((o) => o.name === 'score')!.data;
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  assert.ok(worst <= 1e-5, `largest difference ${worst}`);
});
