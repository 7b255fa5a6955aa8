// Decision thresholds and the counts and rates they give. Convention, everywhere in dfp: a row is flagged as malware
// when its score is STRICTLY GREATER than the threshold (score > threshold). Float32 scores compare as their exact
// values: a threshold from thresholdForFpr on those scores is exact, but a decimal literal may not be (fround(0.3) > 0.3).
import { DfpError } from '../../errors.ts';
import { type Labels, type Scores, checkLabelsScores, checkScores, checkThreshold } from './input.ts';

/** Confusion counts at one threshold (malware is the positive class). */
export interface Confusion { tp: number; fp: number; tn: number; fn: number }

/**
 * Rates from a confusion matrix. The 0/0 cases are defined as 0, never NaN, so a report always has numbers:
 * precision with nothing flagged, recall with no malware rows, fpr with no benign rows, f1 when precision + recall = 0.
 * (scikit-learn's zero_division=0 gives the same values.)
 */
export interface ClassificationMetrics { precision: number; recall: number; f1: number; fpr: number; accuracy: number }

/**
 * The smallest threshold t whose false-positive rate on these benign scores, #{s > t} / n, is at most targetFpr.
 * It is always one of the scores, or -Infinity when targetFpr ≥ 1 (every row flagged). targetFpr 0 gives the highest
 * benign score (no benign row flagged). Apply it with the same rule: score > t.
 */
export function thresholdForFpr(negativeScores: Scores, targetFpr: number): number {
  if (typeof targetFpr !== 'number' || !(targetFpr >= 0 && targetFpr <= 1)) {
    throw new DfpError('INPUT_INVALID', `thresholdForFpr: target FPR ${String(targetFpr)} is outside [0, 1]; pass a rate such as 0.01 for 1%`);
  }
  const n = negativeScores.length;
  if (n === 0) throw new DfpError('INPUT_INVALID', 'thresholdForFpr: no benign scores; the threshold is calibrated on benign rows, so the split needs some');
  checkScores(negativeScores, 'thresholdForFpr');
  const sorted = Float64Array.from(negativeScores).sort().reverse();
  // Walk distinct scores from the top: at t = sorted[i], the rows strictly above t are the i before it. The rate only
  // grows as t falls, so the last t that still meets the target is the smallest.
  let best = sorted[0]!;
  for (let i = 0; i < n; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) continue;
    if (i / n > targetFpr) return best;
    best = sorted[i]!;
  }
  return targetFpr >= 1 ? -Infinity : best; // below the lowest score every benign row is flagged: rate 1
}

/** Confusion counts under the rule score > threshold → malware. */
export function confusionAt(labels: Labels, scores: Scores, threshold: number): Confusion {
  checkLabelsScores(labels, scores, 'confusionAt');
  checkThreshold(threshold);
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < labels.length; i++) {
    const flagged = scores[i]! > threshold;
    if (labels[i] === 1) {
      if (flagged) c.tp++;
      else c.fn++;
    } else if (flagged) c.fp++;
    else c.tn++;
  }
  return c;
}

/** Rates from confusion counts, with the 0/0 cases defined as 0 (see ClassificationMetrics). */
export function metricsFromConfusion(c: Confusion): ClassificationMetrics {
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const precision = ratio(c.tp, c.tp + c.fp);
  const recall = ratio(c.tp, c.tp + c.fn);
  // 2tp / (2tp + fp + fn) is the same f1 as 2PR / (P + R) without the double rounding.
  const f1 = ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
  return { precision, recall, f1, fpr: ratio(c.fp, c.fp + c.tn), accuracy: ratio(c.tp + c.tn, c.tp + c.fp + c.tn + c.fn) };
}

/** Precision, recall, f1, false-positive rate and accuracy under the rule score > threshold → malware. */
export function classificationMetrics(labels: Labels, scores: Scores, threshold: number): ClassificationMetrics {
  return metricsFromConfusion(confusionAt(labels, scores, threshold));
}
