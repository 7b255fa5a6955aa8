// One-call evaluation of a scored split (the JSON that `dfp evaluate` prints) and detection rates per malware family.
import { type Labels, type Scores, checkLabelsScores, checkThreshold } from './input.ts';
import { prAuc } from './pr.ts';
import { rocAuc } from './roc.ts';
import { type Confusion, confusionAt, metricsFromConfusion } from './threshold.ts';
import { DfpError } from '../../errors.ts';

/**
 * Evaluation of one scored split. Key names are a CLI contract: do not rename. roc_auc is NaN when a class is absent
 * and pr_auc is NaN when there is no malware (JSON.stringify writes NaN as null); the threshold rates are never NaN.
 */
export interface Evaluation {
  n: number;
  positives: number;
  roc_auc: number;
  pr_auc: number;
  precision: number;
  recall: number;
  f1: number;
  fpr: number;
  threshold: number;
  confusion: Confusion;
}

/** Threshold-free (roc_auc, pr_auc) and threshold metrics (score > threshold → malware) of one split. */
export function evaluateScores(labels: Labels, scores: Scores, opts: { threshold: number }): Evaluation {
  checkLabelsScores(labels, scores, 'evaluateScores');
  checkThreshold(opts.threshold);
  const confusion = confusionAt(labels, scores, opts.threshold);
  const { precision, recall, f1, fpr } = metricsFromConfusion(confusion);
  return {
    n: labels.length,
    positives: confusion.tp + confusion.fn,
    roc_auc: rocAuc(labels, scores),
    pr_auc: prAuc(labels, scores),
    precision,
    recall,
    f1,
    fpr,
    threshold: opts.threshold,
    confusion,
  };
}

/** Detection of the malware rows of one group (a family or a category). */
export interface GroupDetection { group: string; n: number; detected: number; rate: number }

/** Name used for malware rows whose group is null, empty or blank. */
export const UNKNOWN_GROUP = 'unknown';

/**
 * Share of malware rows flagged (score > threshold), per group. Benign rows are ignored; a null, empty or blank group
 * counts as "unknown". Sorted by n descending, then group name, so the biggest families come first.
 */
export function detectionByGroup(labels: Labels, scores: Scores, groups: readonly (string | null | undefined)[], threshold: number): GroupDetection[] {
  checkLabelsScores(labels, scores, 'detectionByGroup');
  checkThreshold(threshold);
  if (groups.length !== labels.length) {
    throw new DfpError('INPUT_INVALID', `detectionByGroup: ${labels.length} labels but ${groups.length} groups; pass one group (or null) per row`);
  }
  const counts = new Map<string, { n: number; detected: number }>();
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    const name = groups[i]?.trim() || UNKNOWN_GROUP;
    let c = counts.get(name);
    if (c === undefined) counts.set(name, (c = { n: 0, detected: 0 }));
    c.n++;
    if (scores[i]! > threshold) c.detected++;
  }
  return [...counts]
    .map(([group, { n, detected }]) => ({ group, n, detected, rate: detected / n }))
    .sort((a, b) => b.n - a.n || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}
