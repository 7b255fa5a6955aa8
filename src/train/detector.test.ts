// The detector kinds: trees fitted and calibrated like the MLP, their ONNX graph against dfp's own evaluation, the
// blend graph as the mean of both, data problems named, and the time-forward protocol and selection.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DfpError } from '../core/errors.ts';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { classificationMetrics } from '../core/ml/eval/index.ts';
import { ensembleFromJson, predictMargin } from '../core/ml/trees/ensemble.ts';
import { silentProgress } from '../core/progress.ts';
import { ModelSession } from '../runtime/session.ts';
import { fitMlp } from './fit.ts';
import { blendFits, fitClassifier, fitKind } from './fit-detector.ts';
import { fitTrees } from './fit-trees.ts';
import { concatDatasets, subset } from './split.ts';
import { synthDataset, testConfig } from './testing.ts';
import { originMonths, selectDetector, timeForward } from './time-forward.ts';

const F = FEATURE_COLUMNS.length;
const tmp = () => mkdtempSync(join(tmpdir(), 'dfp-detector-'));
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const TREES = ['model=classifier', 'model.classifier.kind=trees', 'model.classifier.trees.iterations=40', 'model.classifier.trees.min_data_in_leaf=5', 'model.classifier.folds=3', 'model.target_fpr=0.05'];
const MLP = ['model=classifier', 'model.classifier.kind=mlp', 'train.epochs=6', 'train.batch_size=32', 'model.classifier.hidden=[8]', 'model.classifier.folds=3', 'model.target_fpr=0.05'];

function parts(n: number, seed: number) {
  const d = synthDataset(n, seed);
  const cut = Math.round(n * 0.75);
  return { train: subset(d, range(0, cut)), validation: subset(d, range(cut, n - cut)), progress: silentProgress, checkpointDir: join(tmp(), 'ck') };
}

test('trees: cross-fitted calibration on out-of-fold scores, the exported graph equal to dfp evaluation of the stored ensemble', async () => {
  const o = parts(240, 3);
  const config = testConfig(TREES, tmp());
  const fitted = await fitKind({ ...o, config }, 'trees');
  assert.equal(fitted.detector, 'trees');
  const all = concatDatasets(o.train, o.validation);
  assert.equal(fitted.outOfFold?.length, all.n, 'every training-period row has an out-of-fold score');
  assert.ok(classificationMetrics(all.y, fitted.outOfFold!, fitted.threshold).fpr <= 0.05, 'the threshold meets the target FPR out of fold');
  // The metadata's ensemble (what TreeSHAP reads) and the ONNX graph are the same model.
  const ensemble = ensembleFromJson(fitted.trees!.ensemble, 'test');
  const { a, b } = fitted.trees!.platt;
  const want = predictMargin(ensemble, all.x, all.n).map((m) => 1 / (1 + Math.exp(-(Math.fround(a) * m + Math.fround(b)))));
  const got = (await ModelSession.scoreOnce(fitted.onnx, all.x)).scores;
  for (let i = 0; i < all.n; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-5, `row ${i}: onnxruntime ${got[i]} vs dfp ${want[i]}`);
  assert.ok(ensemble.trees.length === 40, 'one model fitted on all rows, as many trees as iterations');
});

test('trees: excluded features are never split on, so the exported model ignores them', async () => {
  const o = parts(200, 9);
  const excluded = FEATURE_COLUMNS.filter((_, j) => j % 17 === 0); // the synthetic signal's count columns
  const config = testConfig([...TREES, `model.exclude_features=${JSON.stringify(excluded)}`], tmp());
  const fitted = await fitTrees({ ...o, config });
  const idx = new Set(excluded.map((c) => FEATURE_COLUMNS.indexOf(c)));
  for (const t of fitted.ensemble.trees) for (let i = 0; i < t.left.length; i++) if (t.left[i] !== -1) assert.ok(!idx.has(t.feature[i]!), `split on excluded ${FEATURE_COLUMNS[t.feature[i]!]}`);
  const x = o.validation.x.slice();
  const before = (await ModelSession.scoreOnce(fitted.onnx, x)).scores;
  for (let r = 0; r < o.validation.n; r++) for (const j of idx) x[r * F + j] = 12345;
  assert.deepEqual((await ModelSession.scoreOnce(fitted.onnx, x)).scores, before);
});

test('trees: data that cannot train is refused, naming the key or the problem', async () => {
  const o = parts(120, 4);
  const cases: [string[], (typeof o)['train'], RegExp][] = [
    [TREES, subset(o.train, range(0, o.train.n).filter((i) => !o.train.y[i])), /both classes/],
    [[...TREES, 'model.classifier.trees.min_data_in_leaf=500'], o.train, /min_data_in_leaf=500/],
    [TREES, { ...o.train, x: new Float32Array(o.train.x.length).fill(3) }, /constant/],
  ];
  for (const [overrides, train, message] of cases) {
    const config = testConfig([...overrides, 'model.classifier.calibration=holdout'], tmp());
    await assert.rejects(fitTrees({ ...o, train, config }), (e: unknown) => e instanceof DfpError && e.code === 'INPUT_INVALID' && message.test(e.message), String(message));
  }
});

test('blend: the exported graph is the mean of the calibrated MLP and tree graphs; its threshold comes from the mean held-out scores', async () => {
  const o = parts(200, 11);
  const mlp = await fitMlp({ ...o, config: testConfig(MLP, tmp()) });
  const trees = await fitTrees({ ...o, config: testConfig(TREES, tmp()) });
  const blend = blendFits(testConfig(MLP, tmp()), mlp, trees);
  const x = o.validation.x;
  const [a, b, m] = await Promise.all([mlp.onnx, trees.onnx, blend.onnx].map(async (g) => (await ModelSession.scoreOnce(g, x)).scores));
  for (let i = 0; i < o.validation.n; i++) assert.ok(Math.abs(m![i]! - (a![i]! + b![i]!) / 2) <= 1e-6, `row ${i}`);
  const all = concatDatasets(o.train, o.validation);
  assert.ok(classificationMetrics(all.y, blend.calibProbs, blend.threshold).fpr <= 0.05);
});

test('origin months: enough malware before, both classes in; the latest max of them', () => {
  const d = synthDataset(200, 5, ['2019-01', '2019-02', '2019-03', '2019-04', '2019-05']);
  const all = originMonths(d, { minMalware: 1 });
  assert.deepEqual(all, ['2019-02', '2019-03', '2019-04', '2019-05'], 'the first month has nothing before it');
  assert.deepEqual(originMonths(d, { minMalware: 1, max: 2 }), ['2019-04', '2019-05']);
  const malwareBefore = (m: string) => d.month.filter((v, i) => v! < m && d.y[i]).length;
  const need = malwareBefore('2019-04');
  assert.deepEqual(originMonths(d, { minMalware: need }), ['2019-04', '2019-05']);
  // A month with no malware cannot rank: not an origin.
  const noMalwareInMay = subset(d, range(0, d.n).filter((i) => !(d.month[i] === '2019-05' && d.y[i])));
  assert.ok(!originMonths(noMalwareInMay, { minMalware: 1 }).includes('2019-05'));
});

test('time-forward: each month judged by a fit on the months before it; worker threads give the same numbers as one thread', async () => {
  const d = synthDataset(240, 8, ['2019-01', '2019-02', '2019-03', '2019-04']);
  const ws = tmp();
  const one = await timeForward(d, testConfig([...TREES, 'train.workers=1', 'model.classifier.selection.min_malware=5'], ws), ['trees']);
  const two = await timeForward(d, testConfig([...TREES, 'train.workers=2', 'model.classifier.selection.min_malware=5'], ws), ['trees']);
  assert.deepEqual(one.origins, ['2019-02', '2019-03', '2019-04']);
  assert.deepEqual(two, one);
  const r = one.results[0]!;
  for (const m of r.months) {
    assert.equal(m.train_rows, d.month.filter((v) => v! < m.month).length, `${m.month}: fitted on the months before it only`);
    assert.equal(m.n, d.month.filter((v) => v === m.month).length);
  }
  assert.equal(r.summary.n, r.months.reduce((a, m) => a + m.n, 0), 'the summary pools the origin months');
});

test('selection: kind=auto takes the candidate the protocol ranks first and records the comparison; without origins it says why', async () => {
  const d = synthDataset(240, 13, ['2019-01', '2019-02', '2019-03']);
  const config = testConfig([...MLP, 'model.classifier.kind=auto', 'model.classifier.selection.min_malware=5', 'model.classifier.selection.metric=roc_auc', 'train.workers=1', ...TREES.slice(2, 4)], tmp());
  const s = await selectDetector(d, config);
  assert.deepEqual(s.candidates.map((c) => c.model), ['mlp', 'trees', 'blend']);
  const best = Math.max(...s.candidates.map((c) => c.summary.roc_auc));
  assert.equal(s.candidates.find((c) => c.model === s.chosen)!.summary.roc_auc, best);
  const none = await selectDetector(d, testConfig([...MLP, 'model.classifier.kind=auto', 'model.classifier.selection.min_malware=100000'], tmp()));
  assert.equal(none.chosen, 'mlp');
  assert.match(none.fallback ?? '', /min_malware/);
  // fitClassifier with kind=auto fits the chosen kind and carries the selection for the model card.
  const o = { train: subset(d, range(0, 180)), validation: subset(d, range(180, 60)), progress: silentProgress, checkpointDir: join(tmp(), 'ck') };
  const fitted = await fitClassifier({ ...o, config });
  assert.equal(fitted.detector, fitted.selection?.chosen);
});

test('trees: the folds and the final fit on worker threads give the model one thread gives', async () => {
  const o = parts(200, 21);
  const one = await fitTrees({ ...o, config: testConfig([...TREES, 'train.workers=1'], tmp()) });
  const two = await fitTrees({ ...o, config: testConfig([...TREES, 'train.workers=2'], tmp()) });
  assert.deepEqual(two.ensemble, one.ensemble);
  assert.deepEqual(two.outOfFold, one.outOfFold);
  assert.equal(two.threshold, one.threshold);
});
