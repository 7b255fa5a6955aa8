// Precision-recall curve and average precision (scikit-learn's definition: Σ (R_n − R_{n−1}) P_n, no interpolation).
import { type Labels, type Scores, checkLabelsScores, groupByScore } from './input.ts';

/**
 * A precision-recall curve, ordered by decreasing threshold (increasing recall). Point i is the rule
 * "score > thresholds[i] → malware". Point 0 is the conventional anchor (recall 0, precision 1) at the highest score,
 * where nothing is flagged; the last point, at -Infinity, flags everything.
 */
export interface PrCurve { precision: number[]; recall: number[]; thresholds: number[] }

/** Precision-recall curve over every distinct score. With no malware rows recall is all NaN (0/0). */
export function prCurve(labels: Labels, scores: Scores): PrCurve {
  checkLabelsScores(labels, scores, 'prCurve');
  const { groups, positives: P } = groupByScore(labels, scores);
  const precision = [1];
  const recall = [0 / P];
  const thresholds = [groups[0]!.score];
  let tp = 0;
  let fp = 0;
  for (let g = 0; g < groups.length; g++) {
    tp += groups[g]!.pos;
    fp += groups[g]!.neg;
    precision.push(tp / (tp + fp)); // tp + fp ≥ 1: every group holds at least one row
    recall.push(tp / P);
    thresholds.push(g + 1 < groups.length ? groups[g + 1]!.score : -Infinity);
  }
  return { precision, recall, thresholds };
}

/**
 * Average precision: the recall-weighted mean of precision over the distinct thresholds, as scikit-learn's
 * average_precision_score computes it. NaN when there are no malware rows (recall is undefined). With no benign rows
 * it is 1.
 */
export function prAuc(labels: Labels, scores: Scores): number {
  checkLabelsScores(labels, scores, 'prAuc');
  const { groups, positives: P } = groupByScore(labels, scores);
  if (P === 0) return NaN;
  let sum = 0;
  let tp = 0;
  let fp = 0;
  for (const { pos, neg } of groups) {
    tp += pos;
    fp += neg;
    // Recall steps by pos/P; a group with no malware adds nothing.
    if (pos > 0) sum += (pos / P) * (tp / (tp + fp));
  }
  return sum;
}
