// Drift statistics on known cases: PSI's definition by hand, the KS statistic and flag test on small samples,
// Benjamini–Hochberg against its textbook example, and the feature report on the shared file. SciPy parity is in
// tests/interop/scipy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { haveRealData, REAL_2019 } from '../../../tests/support/shared-data.ts';
import { timeSplit } from '../../../tests/support/time-split.ts';
import { FEATURE_COLUMNS } from '../kronodroid/schema.ts';
import { mulberry32, normal } from '../ml/prng.ts';
import { binShares, psi, quantileEdges } from './psi.ts';
import { featureDrift } from './report.ts';
import { benjaminiHochberg, flagChi2, kolmogorovSf, ks2samp } from './tests.ts';

test('PSI: zero for the same sample, the formula on hand-made shares, missing values count', () => {
  const ref = Array.from({ length: 1000 }, (_, i) => i % 100);
  assert.equal(psi(ref, ref).psi, 0);
  assert.deepEqual(quantileEdges([0, 0, 0, 0, 0, 0, 1, 2, 3, 4], 5), [0, 2, 4], 'a value filling several quantiles is one bin');
  const shifted = ref.map((v) => v + 30);
  const r = psi(ref, shifted);
  let expected = 0;
  r.reference.forEach((p, i) => {
    if (p === 0 && r.current[i] === 0) return;
    const a = Math.max(p, 1e-4);
    const b = Math.max(r.current[i]!, 1e-4);
    expected += (b - a) * Math.log(b / a);
  });
  assert.ok(Math.abs(r.psi - expected) < 1e-12 && r.psi > 0.25, `psi ${r.psi}`);
  const holes = ref.map((v, i) => (i % 5 === 0 ? NaN : v));
  assert.ok(Math.abs(binShares(holes, r.edges).at(-1)! - 0.2) < 1e-12);
  assert.ok(psi(ref, holes).psi > 0.25, 'a fifth of the values going missing is a major shift');
});

test('KS: statistic with ties, p-value from the Kolmogorov distribution', () => {
  assert.deepEqual(ks2samp([1, 2, 3, 4], [1, 2, 3, 4]), { statistic: 0, pValue: 1 });
  assert.equal(ks2samp([0, 0, 0, 1], [0, 1, 1, 1]).statistic, 0.5);
  assert.equal(ks2samp([1, 2, 3], [4, 5, 6]).statistic, 1);
  // Q(λ) at known points of the Kolmogorov distribution (1.36 is the classic 5 % critical value).
  assert.ok(Math.abs(kolmogorovSf(1.3581) - 0.05) < 1e-4);
  assert.ok(Math.abs(kolmogorovSf(1.6276) - 0.01) < 1e-4);
  const z = normal(mulberry32(3));
  const a = Array.from({ length: 800 }, () => z());
  const b = Array.from({ length: 800 }, () => z() + 0.3);
  assert.ok(ks2samp(a, b).pValue < 1e-6);
  assert.ok(ks2samp(a, Array.from({ length: 800 }, () => z())).pValue > 0.01);
});

test('flag test: equal shares give p = 1, a doubled share a tiny p; a constant flag is not testable', () => {
  assert.deepEqual(flagChi2(10, 100, 10, 100), { statistic: 0, pValue: 1 });
  const t = flagChi2(100, 1000, 200, 1000);
  assert.ok(t.statistic > 30 && t.pValue < 1e-7, JSON.stringify(t));
  assert.deepEqual(flagChi2(0, 50, 0, 70), { statistic: 0, pValue: 1 });
});

test('Benjamini–Hochberg q-values', () => {
  // p-values of the classic worked example (Benjamini & Hochberg 1995, 15 tests).
  const p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1];
  const q = benjaminiHochberg(p);
  assert.equal(q.filter((v) => v <= 0.05).length, 4, 'four discoveries at FDR 5 %');
  assert.ok(Math.abs(q[0]! - 0.0015) < 1e-12);
  assert.ok(q.every((v, i) => i === 0 || v >= q[i - 1]!), 'monotone in p');
  assert.ok(Number.isNaN(benjaminiHochberg([0.1, NaN])[1]!));
});

test('feature drift on the shared file: the last quarter of 2019 against the first nine months drifts, the same data does not', async (t) => {
  if (!haveRealData(t)) return;
  const { train, test: late } = await timeSplit(REAL_2019, '2019-10');
  const same = featureDrift(FEATURE_COLUMNS, train, train);
  assert.equal(same.drifted, false);
  assert.ok(same.features.every((f) => f.psi === 0 && !f.drifted));
  const moved = featureDrift(FEATURE_COLUMNS, train, late);
  assert.equal(moved.drifted, true);
  const drifted = moved.features.filter((f) => f.drifted);
  assert.ok(drifted.length >= 5, `${drifted.length} drifted features`);
  assert.ok(drifted.every((f) => f.psi >= 0.1), 'nothing flagged on a trivial PSI');
  assert.equal(Object.values(moved.groups).reduce((a, g) => a + g.features, 0), FEATURE_COLUMNS.length);
  assert.ok(moved.groups.syscalls!.drifted > 0, JSON.stringify(moved.groups));
});
