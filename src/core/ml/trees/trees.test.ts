// The tree learner against what can be computed independently: exact bins, the exhaustive best stump,
// margins that agree between training (binned) and prediction (raw values), determinism and early stopping.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rocAuc } from '../eval/roc.ts';
import { mulberry32 } from '../prng.ts';
import { binMatrix, fitBins } from './bins.ts';
import { boost } from './boost.ts';
import { predictMargin, predictProba } from './ensemble.ts';

/** Rows from a generator: row-major x and labels. */
function rows(n: number, F: number, gen: (r: () => number, row: Float32Array) => number, seed = 1) {
  const rand = mulberry32(seed);
  const x = new Float32Array(n * F);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const row = x.subarray(i * F, (i + 1) * F);
    y[i] = gen(rand, row);
  }
  return { x, y, n };
}

test('bins: a bin per frequent value, rare values merged, NaN in its own bin, thresholds exact', () => {
  // Feature 0: values 0 (50 rows), 1 (30), 2 (2 rows), 3 (1 row), 7 (10); feature 1: NaN in 5 rows, else 4.
  const col0 = [...Array(50).fill(0), ...Array(30).fill(1), 2, 2, 3, ...Array(10).fill(7)];
  const n = col0.length;
  const x = new Float32Array(n * 2);
  col0.forEach((v, i) => {
    x[i * 2] = v;
    x[i * 2 + 1] = i < 5 ? NaN : 4;
  });
  const mapper = fitBins(x, n, 2, 255, 3);
  assert.deepEqual(Array.from(mapper.features[0]!.upper), [0, 1, 3, 7], 'values 2 and 3 (3 rows together) share a bin');
  assert.equal(mapper.features[0]!.defaultBin, 0);
  assert.deepEqual(Array.from(mapper.features[1]!.upper), [4]);
  assert.equal(mapper.binOf(1, NaN), mapper.missingBin(1));
  assert.equal(mapper.binOf(0, 2.5), 2);
  assert.equal(mapper.binOf(0, 100), 3, 'above every bound: the last bin');
  // x ≤ upper[b] ⟺ bin ≤ b, for every training value: split thresholds mean the same binned and raw.
  for (const v of col0) for (let b = 0; b < 4; b++) assert.equal(v <= mapper.features[0]!.upper[b]!, mapper.binOf(0, v) <= b);
  const m = binMatrix(mapper, x, n, 2);
  assert.equal(m.rowStart[n], 43 + 5, 'sparse entries: every non-default bin (43 non-zero values, 5 missing)');
  assert.equal(fitBins(x, n, 2, 2, 1).features[0]!.upper.length, 2, 'maxBins caps the bins');
});

test('one round with one split is the exhaustive best stump', () => {
  const F = 3;
  const d = rows(400, F, (r, row) => {
    row[0] = Math.floor(r() * 20);
    row[1] = Math.floor(r() * 5);
    row[2] = r() < 0.1 ? NaN : Math.floor(r() * 8);
    return r() < (row[0]! > 12 ? 0.8 : 0.2) ? 1 : 0;
  });
  const lambda = 1;
  const { model } = boost(d, F, { iterations: 1, maxLeaves: 2, learningRate: 1, lambdaL2: lambda, minDataInLeaf: 1, minChildWeight: 0, maxBins: 255 });
  const tree = model.trees[0]!;
  // Independent search: the gradient at the prior margin, every feature, every threshold, missing either side.
  const p0 = 1 / (1 + Math.exp(-model.base));
  const g = Array.from(d.y, (y) => p0 - y);
  const h = g.map(() => p0 * (1 - p0));
  const score = (G: number, H: number) => (G * G) / (H + lambda);
  const G = g.reduce((a, b) => a + b, 0);
  const H = h.reduce((a, b) => a + b, 0);
  let best = { gain: -Infinity, feature: -1, threshold: 0, missingLeft: false };
  for (let f = 0; f < F; f++) {
    const values = [...new Set(Array.from({ length: d.n }, (_, i) => d.x[i * F + f]!).filter((v) => !Number.isNaN(v)))].sort((a, b) => a - b);
    for (const t of values.slice(0, -1)) {
      for (const missingLeft of [false, true]) {
        let GL = 0;
        let HL = 0;
        for (let i = 0; i < d.n; i++) {
          const v = d.x[i * F + f]!;
          if (Number.isNaN(v) ? missingLeft : v <= t) {
            GL += g[i]!;
            HL += h[i]!;
          }
        }
        const gain = 0.5 * (score(GL, HL) + score(G - GL, H - HL) - score(G, H));
        if (gain > best.gain + 1e-12) best = { gain, feature: f, threshold: t, missingLeft };
      }
    }
  }
  assert.equal(tree.feature[0], best.feature);
  assert.equal(tree.threshold[0], best.threshold);
  assert.equal(tree.feature[0], 0, 'the informative feature');
});

test('learns a non-linear rule with missing values; prediction on raw rows matches training margins', () => {
  const F = 4;
  // Malware when (a > 5 and b ≤ 2) or c is missing; d is noise.
  const gen = (r: () => number, row: Float32Array) => {
    row[0] = Math.floor(r() * 10);
    row[1] = Math.floor(r() * 5);
    row[2] = r() < 0.15 ? NaN : Math.floor(r() * 3);
    row[3] = r() * 100;
    return (row[0]! > 5 && row[1]! <= 2) || Number.isNaN(row[2]!) ? 1 : 0;
  };
  const train = rows(2000, F, gen, 1);
  const test_ = rows(1000, F, gen, 2);
  const { model, history } = boost(train, F, { iterations: 60, learningRate: 0.3, maxLeaves: 8, minDataInLeaf: 5 });
  const auc = rocAuc(Array.from(test_.y), Array.from(predictProba(model, test_.x, test_.n)));
  assert.ok(auc > 0.999, `test AUC ${auc}`);
  // The log-loss boosting reported on the training rows is the one the raw-value evaluation gives.
  const margin = predictMargin(model, train.x, train.n);
  let loss = 0;
  for (let i = 0; i < train.n; i++) loss += Math.log1p(Math.exp(-Math.abs(margin[i]!))) + Math.max(margin[i]!, 0) - train.y[i]! * margin[i]!;
  assert.ok(Math.abs(loss / train.n - history.at(-1)!.train) < 1e-9, `${loss / train.n} vs ${history.at(-1)!.train}`);
  assert.ok(history.at(-1)!.train < history[0]!.train / 5);
});

test('a seed gives the same model; subsampling with another seed gives another; early stopping keeps the best round', () => {
  const F = 6;
  const gen = (r: () => number, row: Float32Array) => {
    for (let j = 0; j < F; j++) row[j] = Math.floor(r() * 20);
    return r() < 1 / (1 + Math.exp(-(row[0]! - 10) / 3 + (row[1]! - 10) / 5)) ? 1 : 0;
  };
  const train = rows(1500, F, gen, 3);
  const valid = rows(500, F, gen, 4);
  const params = { iterations: 40, subsample: 0.7, colsample: 0.5, maxLeaves: 6, seed: 11 };
  const a = boost(train, F, params).model;
  const b = boost(train, F, params).model;
  assert.deepEqual(a, b);
  const c = boost(train, F, { ...params, seed: 12 }).model;
  assert.notDeepEqual(a.trees.map((t) => Array.from(t.feature)), c.trees.map((t) => Array.from(t.feature)));
  // A learning rate this high overfits soon: the validation loss turns, and the model stops at its lowest.
  const r = boost(train, F, { iterations: 200, learningRate: 0.8, maxLeaves: 16, minDataInLeaf: 2, earlyStoppingRounds: 10 }, valid);
  const losses = r.history.map((l) => l.valid!);
  const lowest = losses.indexOf(Math.min(...losses)) + 1;
  assert.equal(r.rounds, lowest);
  assert.equal(r.model.trees.length, lowest);
  assert.equal(r.history.length, lowest + 10, 'stopped 10 rounds after the best');
});

test('class weights: balanced weighting moves the prior to even odds', () => {
  const F = 1;
  const d = rows(1000, F, (r, row) => {
    row[0] = r();
    return r() < 0.1 ? 1 : 0;
  });
  assert.ok(Math.abs(boost(d, F, { iterations: 1, classWeight: 'balanced' }).model.base) < 1e-9);
  const prior = d.y.reduce((a, b) => a + b, 0) / d.n;
  assert.ok(Math.abs(boost(d, F, { iterations: 1 }).model.base - Math.log(prior / (1 - prior))) < 1e-9);
});
