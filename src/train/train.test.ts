// Training tests on synthetic data: ONNX parity with the TS reference, splits, determinism, divergence, leakage.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DfpError } from '../core/errors.ts';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { mlpParams } from '../core/ml/graph/mlp.ts';
import { initParams } from '../core/ml/init.ts';
import { autoencoderMlp, autoencoderReference, buildAutoencoderInference, featureWeights } from '../core/ml/models/autoencoder.ts';
import { buildClassifierInference, classifierMlp, classifierReference } from '../core/ml/models/classifier.ts';
import { featureListHash } from '../core/ml/models/features.ts';
import { fitPreprocess } from '../core/ml/models/preprocess.ts';
import { silentProgress } from '../core/progress.ts';
import { ident, literal, openDuckDb } from '../engine/duckdb/connection.ts';
import { readDataset } from './data.ts';
import { openSession, ort } from '../engine/onnxruntime/index.ts';
import { fitAutoencoder } from './fit.ts';
import { fitClassifier } from './fit-detector.ts';
import { splitRows, subset } from './split.ts';
import { synthDataset, testConfig } from './testing.ts';

const F = FEATURE_COLUMNS.length;
const tmp = () => mkdtempSync(join(tmpdir(), 'dfp-train-'));

async function run(bytes: Uint8Array, x: Float32Array): Promise<Record<string, Float32Array>> {
  const s = await openSession(bytes);
  const out = await s.run({ x: new ort.Tensor('float32', x, [x.length / F, F]) });
  await s.release();
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as Float32Array]));
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)) / Math.max(1, Math.abs(b[i] as number)));
  return worst;
}

/** Raw probe rows with the awkward cases: NaN, huge counts, negatives, flags above 1. */
function probeRows(): Float32Array {
  const d = synthDataset(12, 99);
  const x = d.x.slice();
  x[3] = NaN;
  x[F + 5] = 1e9;
  x[2 * F + 7] = -3;
  x[3 * F + FEATURE_COLUMNS.indexOf('REBOOT_PERMISSION')] = 2;
  x[4 * F + FEATURE_COLUMNS.indexOf('FilesInsideAPK')] = NaN;
  return x;
}

test('exported autoencoder on raw rows equals the TypeScript preprocessing + forward reference (1e-5)', async () => {
  const d = synthDataset(40, 1);
  const pre = fitPreprocess(d.x, { exclude: ['read'], clip: 5 });
  const mlp = autoencoderMlp(F, { hidden: [16], latent: 4, activation: 'relu', dropout: 0 });
  const params = initParams(mlpParams(mlp), 3);
  const weights = featureWeights(pre, { count: 1, binary: 0.5, numeric: 2 });
  const x = probeRows();
  const got = await run(buildAutoencoderInference({ pre, mlp, weights, params }), x);
  const want = autoencoderReference({ pre, mlp, weights, params }, x);
  assert.ok(maxRelDiff(got.score!, want.score) <= 1e-5, `score diff ${maxRelDiff(got.score!, want.score)}`);
  assert.ok(maxRelDiff(got.feature_error!, want.featureError) <= 1e-5, 'feature_error diff');
});

test('exported classifier (Platt folded in) on raw rows equals the TypeScript reference (1e-5)', async () => {
  const d = synthDataset(40, 2);
  const pre = fitPreprocess(d.x);
  const mlp = classifierMlp(F, { hidden: [8, 4], activation: 'tanh', dropout: 0 });
  const params = initParams(mlpParams(mlp), 4);
  const platt = { a: Math.fround(0.7), b: Math.fround(-0.3) };
  const x = probeRows();
  const got = await run(buildClassifierInference({ pre, mlp, params, platt }), x);
  const want = classifierReference({ pre, mlp, params, platt }, x);
  assert.ok(maxRelDiff(got.score!, want) <= 1e-5, `score diff ${maxRelDiff(got.score!, want)}`);
});

test('time split never puts a later month in train or validation; stratified keeps both classes everywhere', () => {
  const d = synthDataset(200, 5, ['2019-01', '2019-02', '2019-03', '2019-04', '2019-05', '2019-06']);
  d.month[7] = null;
  const s = splitRows(d, { kind: 'time', testFrom: '2019-05', testMonths: 3, testFraction: 0.3, validationFraction: 0.25, seed: 1 });
  for (const i of [...s.train, ...s.validation]) assert.ok(d.month[i]! < '2019-05', `row ${i} (${d.month[i]}) leaked into training`);
  for (const i of s.test) assert.ok(d.month[i]! >= '2019-05');
  assert.deepEqual(s.testMonths, ['2019-05', '2019-06']);
  assert.ok(![...s.train, ...s.validation, ...s.test].includes(7), 'undated rows are left out');
  const byDefault = splitRows(d, { kind: 'time', testMonths: 2, testFraction: 0.3, validationFraction: 0.25, seed: 1 });
  assert.deepEqual(byDefault.testMonths, ['2019-05', '2019-06']);
  const st = splitRows(d, { kind: 'stratified', testMonths: 3, testFraction: 0.3, validationFraction: 0.25, seed: 1 });
  for (const part of [st.train, st.validation, st.test]) assert.ok(part.some((i) => d.y[i] === 1) && part.some((i) => d.y[i] === 0));
  assert.equal(new Set([...st.train, ...st.validation, ...st.test]).size, d.n - 0, 'a partition');
  assert.deepEqual(splitRows(d, { kind: 'stratified', testMonths: 3, testFraction: 0.3, validationFraction: 0.25, seed: 1 }), st, 'seeded');
  // retrain.window: only the latest months before the test months train; the test rows are the same.
  const windowed = splitRows(d, { kind: 'time', testFrom: '2019-05', testMonths: 3, testFraction: 0.3, validationFraction: 0.25, seed: 1, trainWindow: 2 });
  assert.deepEqual(windowed.trainMonths, ['2019-03', '2019-04']);
  assert.deepEqual(windowed.test, s.test);
  const inWindow = d.month.flatMap((m, i) => (m === '2019-03' || m === '2019-04' ? [i] : []));
  assert.deepEqual([...windowed.train, ...windowed.validation].sort((a, b) => a - b), inWindow, 'every row of the window, nothing older');
});

const SMALL = ['model.classifier.kind=mlp', 'train.epochs=6', 'train.batch_size=32', 'model.autoencoder.hidden=[16]', 'model.autoencoder.latent=4', 'model.classifier.hidden=[8]'];

for (const kind of ['autoencoder', 'classifier'] as const) {
  test(`${kind}: same seed and data give identical weights (ONNX bytes), threshold and history`, async () => {
    const d = synthDataset(160, 11);
    const train = subset(d, Array.from({ length: 120 }, (_, i) => i));
    const validation = subset(d, Array.from({ length: 40 }, (_, i) => 120 + i));
    const fit = kind === 'autoencoder' ? fitAutoencoder : fitClassifier;
    const go = (seed: number) =>
      fit({ config: testConfig([`model=${kind}`, `train.seed=${seed}`, ...SMALL], tmp()), train, validation, progress: silentProgress, checkpointDir: join(tmp(), 'ck') });
    const [a, b, c] = [await go(42), await go(42), await go(43)];
    assert.ok(Buffer.from(a.onnx).equals(Buffer.from(b.onnx)), 'same seed, same model bytes');
    assert.equal(a.threshold, b.threshold);
    assert.deepEqual(a.loop.history, b.loop.history);
    assert.ok(!Buffer.from(a.onnx).equals(Buffer.from(c.onnx)), 'another seed, other weights');
    assert.ok(a.loop.history.every((h) => Number.isFinite(h.train_loss) && Number.isFinite(h.val_loss)));
  });
}

test('an absurd learning rate stops with a DfpError naming train.lr and keeps the last good checkpoint', async () => {
  const d = synthDataset(120, 12);
  const train = subset(d, Array.from({ length: 90 }, (_, i) => i));
  const validation = subset(d, Array.from({ length: 30 }, (_, i) => 90 + i));
  const ck = join(tmp(), 'ck');
  let kept = '';
  await assert.rejects(
    fitClassifier({ config: testConfig(['model=classifier', 'train.lr=1e38', ...SMALL, 'train.epochs=50'], tmp()), train, validation, progress: silentProgress, checkpointDir: ck }),
    (e: unknown) => {
      kept = String(e instanceof DfpError ? e.details?.checkpoint : '');
      return e instanceof DfpError && e.code === 'CONFIG_INVALID' && /diverged/.test(e.message) && /train\.lr/.test(e.message) && e.message.includes(kept);
    },
  );
  // Cross-fitted members checkpoint under ck/fold-<k>/member-<j>; the error names the member's directory.
  assert.ok(kept.startsWith(ck), `${kept} is under ${ck}`);
  assert.ok(existsSync(join(kept, 'checkpoint.bin')) && existsSync(join(kept, 'checkpoint.json')));
});

test('a table with Scanners/Detection_Ratio/TimesSubmitted columns: they are never read, the feature hash is FEATURE_COLUMNS-only', async () => {
  const dir = tmp();
  const path = join(dir, 'leaky.parquet');
  const conn = await openDuckDb();
  const feats = FEATURE_COLUMNS.map((c, j) => `(hash(i * 1000 + ${j}) % 7)::BIGINT AS ${ident(c)}`).join(', ');
  await conn.run(
    `COPY (SELECT 'sha' || i AS sha256, (i % 4 = 0)::INTEGER AS Malware, DATE '2019-01-01' + INTERVAL (i % 3) MONTH AS event_timestamp,
      (i % 4 = 0)::INTEGER * 40 AS Scanners, (i % 4 = 0)::DOUBLE AS Detection_Ratio, i AS TimesSubmitted, ${feats} FROM range(48) t(i)) TO ${literal(path)} (FORMAT parquet)`,
  );
  conn.closeSync();
  const data = await readDataset(path, 'event_timestamp');
  assert.equal(data.x.length, data.n * F, 'exactly the feature columns');
  const s = splitRows(data, { kind: 'time', testMonths: 1, testFraction: 0.3, validationFraction: 0.25, seed: 3 });
  const fitted = await fitClassifier({
    config: testConfig(['model=classifier', ...SMALL], tmp()),
    train: subset(data, s.train),
    validation: subset(data, s.validation),
    progress: silentProgress,
    checkpointDir: join(dir, 'ck'),
  });
  assert.deepEqual(fitted.pre.columns, [...FEATURE_COLUMNS]);
  assert.equal(fitted.pre.featureListHash, featureListHash(FEATURE_COLUMNS));
  for (const leak of ['Scanners', 'Detection_Ratio', 'TimesSubmitted', 'Malware']) assert.ok(!fitted.pre.columns.includes(leak));
});
