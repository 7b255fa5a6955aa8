/**
 * @module Score drift of one model: its scores on the current apps against its scores on the reference apps. PSI on
 * the reference's score deciles and the two-sample KS test, as for a count feature; the shift of the mean; and the
 * alert rate (share of scores above the threshold) on both sides, the number an operator sees move first. A model's
 * scores drift by the features' rule (PSI ≥ major, or ≥ moderate with p < alpha); one or two models are tested, so
 * no multiple-testing correction applies here.
 */
import { psi } from './psi.ts';
import type { DriftThresholds } from './report.ts';
import { ks2samp } from './tests.ts';

/** The scores of one model on both sides, and what the model is. */
export interface ScoredModel {
  name: string;
  version: string;
  kind: string;
  /** dfp's rule: a score strictly above it is an alert. */
  threshold: number;
  reference: ArrayLike<number>;
  current: ArrayLike<number>;
}

export interface ScoreDrift {
  model: string;
  version: string;
  kind: string;
  threshold: number;
  psi: number;
  /** Two-sample KS statistic and its p-value. */
  ks: number;
  p_value: number;
  mean: number;
  reference_mean: number;
  /** mean − reference_mean. */
  mean_shift: number;
  alert_rate: number;
  reference_alert_rate: number;
  drifted: boolean;
}

const mean = (v: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  return v.length ? s / v.length : NaN;
};

/** Share of scores strictly above the threshold. */
export function alertRate(scores: ArrayLike<number>, threshold: number): number {
  let n = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > threshold) n++;
  return scores.length ? n / scores.length : NaN;
}

export function scoreDrift(m: ScoredModel, t: DriftThresholds): ScoreDrift {
  const p = psi(m.reference, m.current, { bins: t.bins }).psi;
  const ks = ks2samp(m.reference, m.current);
  const cur = mean(m.current);
  const ref = mean(m.reference);
  return {
    model: m.name,
    version: m.version,
    kind: m.kind,
    threshold: m.threshold,
    psi: p,
    ks: ks.statistic,
    p_value: ks.pValue,
    mean: cur,
    reference_mean: ref,
    mean_shift: cur - ref,
    alert_rate: alertRate(m.current, m.threshold),
    reference_alert_rate: alertRate(m.reference, m.threshold),
    drifted: p >= t.psiMajor || (p >= t.psiModerate && ks.pValue < t.alpha),
  };
}
