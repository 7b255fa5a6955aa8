// Evaluation of a scored dataset with the shared eval module: metrics, per-family/category detection, plots.
import { type Evaluation, type GroupDetection, detectionByGroup, evaluateScores } from '../core/ml/eval/index.ts';
import { writePlots } from '../evaluate/index.ts';
import type { PlotPaths } from '../evaluate/index.ts';
import type { Dataset } from './data.ts';

export interface Report {
  metrics: Evaluation;
  perGroup: { family: GroupDetection[]; category: GroupDetection[] };
}

export function report(d: Dataset, scores: Float32Array, threshold: number): Report {
  const metrics = evaluateScores(d.y, scores, { threshold });
  const has = (g: (string | null)[]) => g.some((v) => v !== null);
  return {
    metrics,
    perGroup: {
      family: has(d.family) ? detectionByGroup(d.y, scores, d.family, threshold) : [],
      category: has(d.category) ? detectionByGroup(d.y, scores, d.category, threshold) : [],
    },
  };
}

/** ROC, PR and score-histogram plots (SVG + PNG); skipped when a class is missing (the curves are undefined). */
export async function plots(dir: string, d: Dataset, scores: Float32Array, threshold: number, title: string): Promise<PlotPaths | undefined> {
  const pos = d.y.reduce((a, b) => a + b, 0);
  if (pos === 0 || pos === d.n) return undefined;
  return writePlots(dir, { labels: d.y, scores, threshold, title });
}

/** The CLI's flat metrics object: the Evaluation keys plus the confusion matrix. */
/** The split's metrics as a plain JSON record (also usable where an Evaluation is expected). */
export function flatMetrics(m: Evaluation): Evaluation & Record<string, unknown> {
  return { n: m.n, positives: m.positives, roc_auc: m.roc_auc, pr_auc: m.pr_auc, precision: m.precision, recall: m.recall, f1: m.f1, fpr: m.fpr, threshold: m.threshold, confusion: m.confusion };
}
