// Calibration on held-out data: Platt scaling, the threshold for a target FPR, and ROC-AUC for monitoring.
import { DfpError } from '../../errors.ts';
import type { Platt } from './classifier.ts';

/**
 * Smallest threshold whose FPR on `negatives` (score >= threshold flags) is at most `targetFpr`: the
 * (1 - targetFpr) quantile, nudged just above a tied score so ties never push the FPR over the target.
 */
export function thresholdForTargetFpr(negatives: ArrayLike<number>, targetFpr: number): number {
  if (negatives.length === 0) throw new DfpError('INPUT_INVALID', 'cannot calibrate a threshold without benign validation rows; use more data or a larger train.validation_fraction');
  const s = Float64Array.from(negatives).sort();
  const n = s.length;
  const allowed = Math.floor(targetFpr * n);
  // Flag at most `allowed` negatives: the threshold sits just above the (n - allowed)-th smallest score.
  const k = n - allowed - 1;
  const v = s[k] as number;
  return nextUp(v);
}

function nextUp(v: number): number {
  // float32 step: the threshold is compared with float32 model outputs.
  const f = Math.fround(v);
  const buf = new Float32Array([f]);
  const bits = new Int32Array(buf.buffer);
  bits[0] = (bits[0] as number) + (f >= 0 ? 1 : -1);
  if (f === 0) return 1e-45;
  return buf[0] as number;
}

/** Platt scaling by Newton's method on the log-loss, with Platt's smoothed targets (robust with few positives). */
export function fitPlatt(logits: ArrayLike<number>, labels: ArrayLike<number>): Platt {
  const n = logits.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += labels[i] as number;
  const neg = n - pos;
  if (pos === 0 || neg === 0) return { a: 1, b: 0 };
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (neg + 2);
  let a = 1;
  let b = 0;
  for (let it = 0; it < 100; it++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-9;
    let hab = 0;
    let hbb = 1e-9;
    for (let i = 0; i < n; i++) {
      const x = logits[i] as number;
      const t = (labels[i] as number) > 0.5 ? hi : lo;
      const p = 1 / (1 + Math.exp(-(a * x + b)));
      const d = p - t;
      const w = p * (1 - p);
      ga += d * x;
      gb += d;
      haa += w * x * x;
      hab += w * x;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (Math.abs(det) < 1e-12) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-10) break;
  }
  return Number.isFinite(a) && Number.isFinite(b) ? { a: Math.fround(a), b: Math.fround(b) } : { a: 1, b: 0 };
}

/** ROC-AUC by the rank-sum formula with ties counted half; NaN when a class is missing. */
export function aucOf(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((p, q) => (scores[p] as number) - (scores[q] as number));
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1] as number] === scores[idx[i] as number]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if ((labels[idx[k] as number] as number) > 0.5) {
        pos++;
        rankSum += avg;
      }
    }
    i = j + 1;
  }
  const neg = idx.length - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}
