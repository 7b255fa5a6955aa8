/**
 * @module `dfp drift`: how far current apps have moved from a reference set, feature by feature and month by
 * month (src/core/drift/report.ts). Both sides are KronoDroid files or lake refs, read as `dfp evaluate`
 * reads `--data`. The scores of production models on both sides come with the model runtime's next step.
 */
import { DfpError } from '../core/errors.ts';
import type { DfpConfig } from '../core/config/schema.ts';
import { type DriftThresholds, type FeatureDrift, featureDrift, type GroupDrift } from '../core/drift/report.ts';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import type { Progress } from '../core/progress.ts';
import type { Dataset } from '../train/data.ts';
import { openData } from '../train/evaluate.ts';

export interface DriftOptions {
  config: DfpConfig;
  data: string;
  reference: string;
  thresholds?: Partial<DriftThresholds>;
  progress?: Progress;
}

export interface MonthDrift {
  month: string;
  rows: number;
  drifted_features: number;
  mean_psi: number;
}

export interface DriftReport {
  reference: { source: string; rows: number; commit: string | null };
  current: { source: string; rows: number; commit: string | null };
  drifted: boolean;
  /** Score drift of the production models: not measured yet (null). */
  score: null;
  features: FeatureDrift[];
  groups: Record<string, GroupDrift>;
  months: MonthDrift[];
}

/** Fewest rows per side for a distribution comparison to mean anything. */
export const MIN_ROWS = 20;

function rowsOf(d: Dataset, keep: (i: number) => boolean) {
  const F = FEATURE_COLUMNS.length;
  const idx = Array.from({ length: d.n }, (_, i) => i).filter(keep);
  const x = new Float32Array(idx.length * F);
  idx.forEach((r, k) => x.set(d.x.subarray(r * F, (r + 1) * F), k * F));
  return { x, n: idx.length };
}

export async function runDrift(o: DriftOptions): Promise<DriftReport> {
  const ref = await openData({ config: o.config, data: o.reference, ...(o.progress ? { progress: o.progress } : {}) });
  const cur = await openData({ config: o.config, data: o.data, ...(o.progress ? { progress: o.progress } : {}) });
  for (const [flag, side] of [['--reference', ref], ['--data', cur]] as const) {
    if (side.data.n < MIN_ROWS) {
      throw new DfpError('INPUT_INVALID', `${flag} '${side.source.ref}' has ${side.data.n} usable row(s); comparing distributions needs at least ${MIN_ROWS}`, { [flag.slice(2)]: side.source.ref, rows: side.data.n });
    }
  }
  const all = (_: number) => true;
  const report = featureDrift(FEATURE_COLUMNS, rowsOf(ref.data, all), rowsOf(cur.data, all), o.thresholds);
  const months = [...new Set(cur.data.month.filter((m): m is string => m !== null))].sort().flatMap((month) => {
    const part = rowsOf(cur.data, (i) => cur.data.month[i] === month);
    if (part.n < MIN_ROWS) return [];
    const r = featureDrift(FEATURE_COLUMNS, rowsOf(ref.data, all), part, o.thresholds);
    return [{ month, rows: part.n, drifted_features: r.features.filter((f) => f.drifted).length, mean_psi: r.features.reduce((a, f) => a + f.psi, 0) / r.features.length }];
  });
  const side = (s: typeof ref) => ({ source: s.source.ref, rows: s.data.n, commit: s.source.commit || null });
  return { reference: side(ref), current: side(cur), drifted: report.drifted, score: null, features: report.features, groups: report.groups, months };
}
