// Cross-fitted classifier: stratified folds, one member per fold in the exported model, calibration on out-of-fold scores.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DfpError } from '../core/errors.ts';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { classificationMetrics } from '../core/ml/eval/index.ts';
import { silentProgress } from '../core/progress.ts';
import { openSession, ort } from '../engine/onnxruntime/index.ts';
import { stratifiedFolds } from './fit.ts';
import { fitClassifier } from './fit-detector.ts';
import { concatDatasets, subset } from './split.ts';
import { synthDataset, testConfig } from './testing.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'dfp-crossfit-'));
const SMALL = ['model=classifier', 'model.classifier.kind=mlp', 'train.epochs=8', 'train.batch_size=32', 'model.classifier.hidden=[8]'];

test('stratifiedFolds: each fold holds its share of each class (±1), seeded', () => {
  const y = Uint8Array.from({ length: 203 }, (_, i) => (i % 9 === 0 ? 1 : 0));
  const k = 5;
  const fold = stratifiedFolds(y, k, 7);
  for (const cls of [0, 1]) {
    const total = y.filter((v) => v === cls).length;
    const per = Array.from({ length: k }, (_, f) => fold.filter((g, i) => g === f && y[i] === cls).length);
    assert.equal(per.reduce((a, b) => a + b, 0), total);
    assert.ok(Math.max(...per) - Math.min(...per) <= 1, `class ${cls}: ${per.join(',')}`);
  }
  assert.deepEqual(stratifiedFolds(y, k, 7), fold, 'same seed, same folds');
  assert.notDeepEqual(stratifiedFolds(y, k, 8), fold, 'another seed deals other folds');
});

test('crossfit: every training-period row is trained on and calibrated out of fold; the threshold meets the target FPR there', async () => {
  const d = synthDataset(160, 21);
  const train = subset(d, Array.from({ length: 120 }, (_, i) => i));
  const validation = subset(d, Array.from({ length: 40 }, (_, i) => 120 + i));
  const folds = 4;
  const config = testConfig([...SMALL, 'model.classifier.calibration=crossfit', `model.classifier.folds=${folds}`, 'model.target_fpr=0.05'], tmp());
  const fitted = await fitClassifier({ config, train, validation, progress: silentProgress, checkpointDir: join(tmp(), 'ck') });
  assert.equal(fitted.trainRows, d.n, 'train and validation rows all take part');
  assert.equal(fitted.details.members, folds, 'one member per fold');
  assert.equal(fitted.details.calibration, 'crossfit');
  const oof = fitted.outOfFold;
  assert.ok(oof && oof.length === d.n);
  const all = concatDatasets(train, validation);
  const m = classificationMetrics(all.y, oof, fitted.threshold);
  assert.ok(m.fpr <= 0.05, `out-of-fold FPR ${m.fpr} at the calibrated threshold`);
  // The threshold is the smallest that meets the target: one benign step lower would exceed it.
  const benign = [...oof.filter((_, i) => !all.y[i])].sort((a, b) => b - a);
  const above = benign.filter((s) => s > fitted.threshold).length;
  assert.ok((above + 1) / benign.length > 0.05 || benign.every((s) => s <= fitted.threshold));
  // The exported model averages the members: on the training rows it is at least as sure as out of fold, on average.
  const s = await openSession(fitted.onnx);
  const F = FEATURE_COLUMNS.length;
  const score = ((await s.run({ x: new ort.Tensor('float32', all.x, [all.n, F]) })).score as ort.Tensor).data as Float32Array;
  await s.release();
  const logLoss = (p: ArrayLike<number>) => Array.from(p).reduce((a, v, i) => a - Math.log(Math.min(1 - 1e-7, Math.max(1e-7, all.y[i] ? v : 1 - v))), 0) / all.n;
  assert.ok(logLoss(score) <= logLoss(oof), `in-sample ${logLoss(score)} vs out-of-fold ${logLoss(oof)}`);
});

test('crossfit with fewer malware than folds is refused, naming model.classifier.folds', async () => {
  const d = synthDataset(80, 5);
  const fewMalware = [...Array.from({ length: d.n }, (_, i) => i).filter((i) => !d.y[i]), ...Array.from({ length: d.n }, (_, i) => i).filter((i) => d.y[i]).slice(0, 3)];
  const rows = subset(d, fewMalware);
  const config = testConfig([...SMALL, 'model.classifier.calibration=crossfit', 'model.classifier.folds=5'], tmp());
  await assert.rejects(
    fitClassifier({ config, train: subset(rows, Array.from({ length: rows.n - 10 }, (_, i) => i)), validation: subset(rows, Array.from({ length: 10 }, (_, i) => rows.n - 10 + i)), progress: silentProgress, checkpointDir: tmp() }),
    (e: unknown) => e instanceof DfpError && e.code === 'INPUT_INVALID' && /model\.classifier\.folds=5/.test(e.message) && /found 3/.test(e.message),
  );
});
