// ROC curve and its area, exact and tie-aware (the area equals the Mann-Whitney U statistic with ties counted 1/2).
import { type Labels, type Scores, checkLabelsScores, groupByScore } from './input.ts';

/**
 * A ROC curve. Point i is what the rule "score > thresholds[i] → malware" gives.
 * thresholds[0] is the highest score (nothing flagged: the point (0, 0)); the last is -Infinity (everything flagged: (1, 1)).
 * Between them come the distinct scores in descending order, so tied rows always move together.
 */
export interface RocCurve { fpr: number[]; tpr: number[]; thresholds: number[] }

/**
 * ROC curve over every distinct score. With no benign rows fpr is all NaN; with no malware rows tpr is all NaN
 * (the rates are 0/0, not zero).
 */
export function rocCurve(labels: Labels, scores: Scores): RocCurve {
  checkLabelsScores(labels, scores, 'rocCurve');
  const { groups, positives: P, negatives: N } = groupByScore(labels, scores);
  const fpr = [0 / N];
  const tpr = [0 / P];
  const thresholds = [groups[0]!.score];
  let tp = 0;
  let fp = 0;
  for (let g = 0; g < groups.length; g++) {
    tp += groups[g]!.pos;
    fp += groups[g]!.neg;
    fpr.push(fp / N);
    tpr.push(tp / P);
    thresholds.push(g + 1 < groups.length ? groups[g + 1]!.score : -Infinity);
  }
  return { fpr, tpr, thresholds };
}

/**
 * Area under the ROC curve by the trapezoid rule over distinct thresholds: the probability that a random malware row
 * scores above a random benign row, ties counting 1/2. Returns NaN when either class is absent (the area is undefined;
 * NaN rather than an error so that evaluating a one-class slice still reports its other numbers).
 */
export function rocAuc(labels: Labels, scores: Scores): number {
  checkLabelsScores(labels, scores, 'rocAuc');
  const { groups, positives: P, negatives: N } = groupByScore(labels, scores);
  if (P === 0 || N === 0) return NaN;
  // Twice the area in integer units: each group adds a trapezoid of width neg and heights tp, tp + pos.
  // Integers stay exact up to 2^53, so the only rounding is the final division.
  let twiceArea = 0;
  let tp = 0;
  for (const { pos, neg } of groups) {
    twiceArea += neg * (2 * tp + pos);
    tp += pos;
  }
  return twiceArea / (2 * P * N);
}
