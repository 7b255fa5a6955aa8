/**
 * @module The drift document: what `dfp drift --json` prints and `GET /v1/drift` answers, built here once for both.
 * Features (report.ts), the scores of the served models (score.ts) and, when the current apps have dates, the same
 * per month. The first model is the verdict's (serve.model, the detector): its score drift is `score` itself, the
 * fingerprint model's sits beside it as `score.fingerprint`.
 */
import type { DfpConfig } from '../config/schema.ts';
import { DfpError } from '../errors.ts';
import { type DriftThresholds, DEFAULT_THRESHOLDS, type FeatureDrift, featureDrift, type GroupDrift, type Matrix } from './report.ts';
import { alertRate, type ScoreDrift, type ScoredModel, scoreDrift } from './score.ts';
import { type FamilyShift, unseenFamilies } from './families.ts';
import { psi } from './psi.ts';

/** Fewest rows per side (and per month) for a distribution comparison to mean anything. */
export const MIN_ROWS = 20;

export interface DriftSide {
  /** A file, a lake ref, `models:/…` (a model's training data) or `serve:window` (recent requests). */
  source: string;
  rows: number;
  commit: string | null;
}

export interface MonthDrift {
  month: string;
  rows: number;
  drifted_features: number;
  mean_psi: number;
  /** The verdict model's alert rate among the month's apps and the PSI of its scores; null without a model. */
  alert_rate: number | null;
  score_psi: number | null;
}

export interface ScoreReport extends ScoreDrift {
  /** The fingerprint model's score drift, when it is served beside the verdict's. */
  fingerprint: ScoreDrift | null;
}

export interface DriftReport {
  reference: DriftSide;
  current: DriftSide;
  /** Any feature or any served model's scores drifted. */
  drifted: boolean;
  score: ScoreReport | null;
  features: FeatureDrift[];
  groups: Record<string, GroupDrift>;
  months: MonthDrift[];
  /** Labelled current malware of families the reference has no app of; null without labels and families. */
  families: FamilyShift | null;
  /** The rule the verdicts follow: PSI thresholds, the false-discovery rate and its correction, bins. */
  thresholds: DriftThresholds & { correction: 'benjamini-hochberg' };
}

export interface DriftInput {
  columns: readonly string[];
  /** `family` per reference row, when known, for the unseen-families share. */
  reference: DriftSide & { x: Matrix; family?: readonly (string | null)[] };
  /** `month` per current row (YYYY-MM or null) for the month-by-month section; `family` and `label` for unseen families. */
  current: DriftSide & { x: Matrix; month?: readonly (string | null)[]; family?: readonly (string | null)[]; label?: ArrayLike<number> };
  /** Scores of the served models on both sides (same row order as the matrices), the verdict's first. */
  models: ScoredModel[];
  thresholds?: Partial<DriftThresholds>;
}

/** The thresholds of the config's drift section, with the caller's on top. */
export function configThresholds(config: DfpConfig, extra: Partial<DriftThresholds> = {}): DriftThresholds {
  const d = config.drift;
  return { psiModerate: d.psi_moderate, psiMajor: d.psi_major, alpha: d.alpha, bins: d.bins, ...extra };
}

function rowsOf(m: Matrix, width: number, idx: number[]): Matrix {
  const x = new Float32Array(idx.length * width);
  idx.forEach((r, k) => x.set(m.x.subarray(r * width, (r + 1) * width), k * width));
  return { x, n: idx.length };
}

export function driftReport(input: DriftInput): DriftReport {
  const t = { ...DEFAULT_THRESHOLDS, ...input.thresholds };
  const { columns, reference, current } = input;
  for (const [name, side] of [['reference', reference], ['current', current]] as const) {
    if (side.x.n < MIN_ROWS) throw new DfpError('INPUT_INVALID', `the ${name} side '${side.source}' has ${side.x.n} usable row(s); comparing distributions needs at least ${MIN_ROWS}`, { [name]: side.source, rows: side.x.n });
  }
  // Months read the verdict model's scores row by row, so they must be the current rows' own.
  const verdict = input.models[0];
  if (current.month && verdict && verdict.current.length !== current.x.n) {
    throw new DfpError('INTERNAL', `model ${verdict.name} has ${verdict.current.length} score(s) for ${current.x.n} current row(s)`);
  }
  const features = featureDrift(columns, reference.x, current.x, t);
  const scores = input.models.map((m) => scoreDrift(m, t));
  const F = columns.length;
  const month = current.month ?? [];
  const months = [...new Set(month.filter((m): m is string => m !== null))].sort().flatMap((m): MonthDrift[] => {
    const idx = month.flatMap((v, i) => (v === m ? [i] : []));
    if (idx.length < MIN_ROWS) return [];
    const r = featureDrift(columns, reference.x, rowsOf(current.x, F, idx), t);
    const cur = verdict ? Float64Array.from(idx, (i) => verdict.current[i]!) : undefined;
    return [
      {
        month: m,
        rows: idx.length,
        drifted_features: r.features.filter((f) => f.drifted).length,
        mean_psi: r.features.reduce((a, f) => a + f.psi, 0) / r.features.length,
        alert_rate: verdict && cur ? alertRate(cur, verdict.threshold) : null,
        score_psi: verdict && cur ? psi(verdict.reference, cur, { bins: t.bins }).psi : null,
      },
    ];
  });
  const side = (s: DriftSide): DriftSide => ({ source: s.source, rows: s.rows, commit: s.commit });
  return {
    reference: side(reference),
    current: side(current),
    drifted: features.drifted || scores.some((s) => s.drifted),
    score: scores[0] ? { ...scores[0], fingerprint: scores[1] ?? null } : null,
    features: features.features,
    groups: features.groups,
    months,
    families: reference.family && current.family && current.label ? unseenFamilies(reference.family, { family: current.family, label: current.label }) : null,
    thresholds: { ...t, correction: 'benjamini-hochberg' },
  };
}
