/**
 * @module Feature drift between a reference and a current set of apps: per feature the PSI on the
 * reference's quantile bins, the two-sample KS test for counts or the 2×2 chi-square test for flags, the
 * missing share, and the share of current values outside the reference's range; Benjamini–Hochberg over all
 * features; per feature group (syscalls, permissions, permission aggregates, static) the drifted count and
 * mean PSI. A feature drifts when its PSI reaches the major threshold, or the moderate one with a q-value
 * under `alpha`: a PSI alone flags tiny samples, a p-value alone flags trivial shifts in big ones.
 */
import { FEATURE_GROUPS, featureKind } from '../ml/models/features.ts';
import { psi } from './psi.ts';
import { benjaminiHochberg, flagChi2, ks2samp } from './tests.ts';

export interface DriftThresholds {
  /** PSI of a moderate shift (with a significant test) and of a major one (alone). Defaults 0.1 and 0.25. */
  psiModerate: number;
  psiMajor: number;
  /** False-discovery rate for the tests (Benjamini–Hochberg). Default 0.05. */
  alpha: number;
  /** Quantile bins of the reference per feature. Default 10. */
  bins: number;
}

export const DEFAULT_THRESHOLDS: DriftThresholds = { psiModerate: 0.1, psiMajor: 0.25, alpha: 0.05, bins: 10 };

export interface Matrix {
  /** Row-major [n, columns.length], NaN where missing. */
  x: Float32Array;
  n: number;
}

export interface FeatureDrift {
  name: string;
  group: string;
  test: 'ks' | 'chi2';
  psi: number;
  /** KS statistic, or the chi-square statistic for flags. */
  statistic: number;
  p_value: number;
  q_value: number;
  /** Share of current values missing, and in the reference. */
  missing: number;
  reference_missing: number;
  /** Share of current values below the reference's minimum or above its maximum. */
  out_of_range: number;
  drifted: boolean;
}

export interface GroupDrift {
  features: number;
  drifted: number;
  mean_psi: number;
}

export interface FeatureDriftReport {
  features: FeatureDrift[];
  groups: Record<string, GroupDrift>;
  drifted: boolean;
}

const GROUP_OF = new Map<string, string>(Object.entries(FEATURE_GROUPS).flatMap(([g, cols]) => cols.map((c) => [c, g.replace(/^@/, '')] as [string, string])));

export function featureDrift(columns: readonly string[], reference: Matrix, current: Matrix, thresholds: Partial<DriftThresholds> = {}): FeatureDriftReport {
  const t = { ...DEFAULT_THRESHOLDS, ...thresholds };
  const F = columns.length;
  const column = (m: Matrix, f: number) => {
    const out = new Float64Array(m.n);
    for (let i = 0; i < m.n; i++) out[i] = m.x[i * F + f]!;
    return out;
  };
  const rows = columns.map((name, f) => {
    const r = column(reference, f);
    const c = column(current, f);
    const rf = r.filter((v) => !Number.isNaN(v));
    const cf = c.filter((v) => !Number.isNaN(v));
    const flag = featureKind(name) === 'binary';
    const test = flag ? flagChi2(rf.filter((v) => v === 1).length, rf.length, cf.filter((v) => v === 1).length, cf.length) : ks2samp(rf, cf);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of rf) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const outside = cf.filter((v) => v < lo || v > hi).length;
    return {
      name,
      group: GROUP_OF.get(name) ?? 'other',
      test: flag ? ('chi2' as const) : ('ks' as const),
      psi: psi(r, c, { bins: t.bins }).psi,
      statistic: test.statistic,
      p_value: test.pValue,
      q_value: NaN,
      missing: (c.length - cf.length) / Math.max(1, c.length),
      reference_missing: (r.length - rf.length) / Math.max(1, r.length),
      out_of_range: outside / Math.max(1, c.length),
      drifted: false,
    };
  });
  const q = benjaminiHochberg(rows.map((r) => r.p_value));
  for (const [i, row] of rows.entries()) {
    row.q_value = q[i]!;
    row.drifted = row.psi >= t.psiMajor || (row.psi >= t.psiModerate && row.q_value < t.alpha);
  }
  const groups: Record<string, GroupDrift> = {};
  for (const row of rows) {
    const g = (groups[row.group] ??= { features: 0, drifted: 0, mean_psi: 0 });
    g.features++;
    if (row.drifted) g.drifted++;
    g.mean_psi += row.psi;
  }
  for (const g of Object.values(groups)) g.mean_psi /= g.features;
  return { features: rows, groups, drifted: rows.some((r) => r.drifted) };
}
