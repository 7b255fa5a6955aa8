// Classifier with in-graph derived features and a seed ensemble: ONNX/TS parity, TFLite export, determinism.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { mlpParams } from '../core/ml/graph/mlp.ts';
import { initParams } from '../core/ml/init.ts';
import { buildClassifierInference, classifierMlp, classifierReference } from '../core/ml/models/classifier.ts';
import { derivedWidth, fitDerived } from '../core/ml/models/derived.ts';
import { fitPreprocess } from '../core/ml/models/preprocess.ts';
import { silentProgress } from '../core/progress.ts';
import { openGraph } from '../engine/onnxruntime/index.ts';
import { maxAbsDiff } from '../export/parity.ts';
import { litertAvailable, runLitertMany } from '../export/testing/litert.ts';
import { exportTflite } from '../export/tflite/export-tflite.ts';
import { fitClassifier } from './fit-detector.ts';
import { subset } from './split.ts';
import { synthDataset, testConfig } from './testing.ts';

const F = FEATURE_COLUMNS.length;
const dir = mkdtempSync(join(tmpdir(), 'dfp-clf-derived-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Raw rows with NaN, a huge count, a negative and a zero total, the cases derived features must survive. */
function probeRows(): Float32Array {
  const x = synthDataset(9, 77).x.slice();
  const total = FEATURE_COLUMNS.indexOf('nr_syscalls');
  x[3] = NaN;
  x[F + 5] = 1e9;
  x[2 * F + 7] = -3;
  x[3 * F + total] = 0;
  x[4 * F + total] = NaN;
  return x;
}

function model(shareScale: 'standard' | number) {
  const d = synthDataset(60, 3);
  const pre = fitPreprocess(d.x, { exclude: ['read'], clip: 3 });
  const derived = fitDerived(pre, d.x, { share: true, used: true, shareScale });
  assert.ok(derived && derived.share.length === 287 && derived.used.length === 287, 'every active call but the total');
  const mlp = classifierMlp(F + derivedWidth(derived), { hidden: [8, 4], activation: 'relu', dropout: 0 });
  const members = [4, 5, 6].map((s) => initParams(mlpParams(mlp), s));
  return { pre, mlp, params: members[0]!, members, derived, platt: { a: Math.fround(0.8), b: Math.fround(-0.2) } };
}

test('derived features + 3-member ensemble: exported graph on raw rows equals the TypeScript reference (1e-5)', async () => {
  for (const scale of ['standard', 10] as const) {
    const m = model(scale);
    const x = probeRows();
    const ort = await openGraph(buildClassifierInference(m));
    const got = (await ort.run({ x: { shape: [x.length / F, F], data: x } }))[0]!.data;
    const want = classifierReference(m, x);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-5, `${scale} row ${i}: ${got[i]} vs ${want[i]}`);
  }
});

test('derived + ensemble classifier converts to TFLite with supported ops; LiteRT matches onnxruntime (1e-4)', async (t) => {
  const bytes = buildClassifierInference(model('standard'));
  const r = exportTflite(bytes, dir, { name: 'clf-derived' });
  assert.deepEqual(r.outputs.map((o) => o.name), ['score']);
  assert.equal(r.inputs[0]?.shape[0], -1, 'dynamic batch');
  const why = litertAvailable();
  if (why !== true) return t.skip(why);
  const x = probeRows();
  const n = x.length / F;
  const lite = runLitertMany([{ model: r.path, inputs: { x: { shape: [n, F], data: x } }, delegates: false }]);
  const ort = await (await openGraph(bytes)).run({ x: { shape: [n, F], data: x } });
  const d = maxAbsDiff(ort, lite[0]?.outputs ?? []);
  assert.ok(d <= 1e-4, `max abs diff ${d}`);
});

test('ensemble with derived features: same seed gives identical model bytes', async () => {
  const d = synthDataset(160, 11);
  const train = subset(d, Array.from({ length: 120 }, (_, i) => i));
  const validation = subset(d, Array.from({ length: 40 }, (_, i) => 120 + i));
  const opts = ['model=classifier', 'model.classifier.kind=mlp', 'train.epochs=4', 'train.batch_size=32', 'model.classifier.hidden=[8]', 'model.classifier.ensemble=2', 'model.classifier.folds=2', 'model.classifier.syscall_share=true', 'model.classifier.syscall_used=true', 'model.classifier.weight_decay=0.001'];
  const go = () => fitClassifier({ config: testConfig(opts, mkdtempSync(join(dir, 'ws-'))), train, validation, progress: silentProgress, checkpointDir: mkdtempSync(join(dir, 'ck-')) });
  const [a, b] = [await go(), await go()];
  assert.ok(Buffer.from(a.onnx).equals(Buffer.from(b.onnx)), 'same seed, same bytes');
  assert.equal(a.details.members, 4, '2 seeds in each of 2 cross-fitting folds');
  assert.equal(a.details.derived_features, 2 * 288);
});
