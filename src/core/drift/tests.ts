/**
 * @module Two-sample tests for drift, and the correction for testing hundreds of features at once.
 * - Kolmogorov–Smirnov: the largest gap between the two empirical CDFs (ties handled as SciPy's ks_2samp
 *   does), p-value from Kolmogorov's limiting distribution at √(n·m/(n+m))·D (SciPy's `kstwobign`), which is
 *   accurate for the sample sizes drift checks see (hundreds of rows and more).
 * - Flags (0/1): the 2×2 chi-square test of independence without continuity correction, equal to the
 *   two-proportion z-test (SciPy's chi2_contingency(correction=False)); p from χ² with one degree of freedom.
 * - Benjamini–Hochberg: q-values that keep the expected share of false alarms among the features flagged at
 *   or below the chosen rate, where a plain p < 0.05 over 474 features would flag ~24 by chance.
 */

export interface TestResult {
  statistic: number;
  pValue: number;
}

/** Q(λ) = 2 Σ (−1)^(k−1) e^(−2k²λ²): the survival function of Kolmogorov's distribution. */
export function kolmogorovSf(lambda: number): number {
  if (lambda <= 0) return 1;
  if (lambda < 0.2) return 1; // the series converges slowly there and the value is 1 to double precision
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-18) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

const sortedFinite = (v: ArrayLike<number>) => Float64Array.from(v).filter((x) => !Number.isNaN(x)).sort();

/** Two-sample Kolmogorov–Smirnov test, two-sided; NaNs are left out. */
export function ks2samp(a: ArrayLike<number>, b: ArrayLike<number>): TestResult {
  const x = sortedFinite(a);
  const y = sortedFinite(b);
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) return { statistic: NaN, pValue: NaN };
  let i = 0;
  let j = 0;
  let d = 0;
  // Walk both samples in value order; the CDFs are compared after all copies of a value are taken.
  while (i < n && j < m) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < n && x[i] === v) i++;
    while (j < m && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const en = (n * m) / (n + m);
  return { statistic: d, pValue: kolmogorovSf(Math.sqrt(en) * d) };
}

/**
 * erfc by Numerical Recipes' Chebyshev fit (relative error < 1.2e-7, ample for a p-value). Written here: the
 * maintained package for it (@stdlib/math-base-special-erfc) brings 137 packages and 15 MB for ten lines.
 */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** 2×2 chi-square test of a flag's share in two samples (counts of ones and totals). */
export function flagChi2(onesA: number, nA: number, onesB: number, nB: number): TestResult {
  const table = [
    [onesA, nA - onesA],
    [onesB, nB - onesB],
  ];
  const total = nA + nB;
  const cols = [onesA + onesB, total - onesA - onesB];
  const rows = [nA, nB];
  let chi2 = 0;
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 2; c++) {
      const expected = (rows[r]! * cols[c]!) / total;
      if (expected > 0) chi2 += (table[r]![c]! - expected) ** 2 / expected;
    }
  }
  // A flag constant across both samples has no variance to test.
  if (cols[0] === 0 || cols[1] === 0) return { statistic: 0, pValue: 1 };
  return { statistic: chi2, pValue: Math.min(1, erfc(Math.sqrt(chi2 / 2))) };
}

/** Benjamini–Hochberg q-values, in the order of `p` (NaN stays NaN). */
export function benjaminiHochberg(p: readonly number[]): number[] {
  const idx = p.map((v, i) => [v, i] as const).filter(([v]) => !Number.isNaN(v)).sort((a, b) => a[0] - b[0]);
  const m = idx.length;
  const q = new Array<number>(p.length).fill(NaN);
  let running = 1;
  for (let k = m - 1; k >= 0; k--) {
    const [v, i] = idx[k]!;
    running = Math.min(running, (v * m) / (k + 1));
    q[i] = running;
  }
  return q;
}
