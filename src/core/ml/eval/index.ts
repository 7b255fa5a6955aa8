// Public surface of the evaluation metrics: exact, tie-aware, pure (no I/O). Labels: 1 = malware, 0 = benign.
// Scores: higher = more malicious. Threshold rule everywhere: score > threshold → flagged as malware.

/** Input types and checks shared by every metric. */
export { type Labels, type Scores, checkLabelsScores } from './input.ts';
/** ROC curve (thresholds descending, last = -Infinity) and its area (NaN when a class is absent). */
export { type RocCurve, rocAuc, rocCurve } from './roc.ts';
/** Precision-recall curve and average precision (scikit-learn's definition; NaN when there is no malware). */
export { type PrCurve, prAuc, prCurve } from './pr.ts';
/** Thresholds and the counts and rates at one threshold (0/0 rates are 0). */
export {
  type ClassificationMetrics,
  type Confusion,
  classificationMetrics,
  confusionAt,
  metricsFromConfusion,
  thresholdForFpr,
} from './threshold.ts';
/** The CLI's evaluation record and per-family detection rates. */
export { type Evaluation, type GroupDetection, UNKNOWN_GROUP, detectionByGroup, evaluateScores } from './evaluate.ts';
/** Score histograms by class, for plots. */
export { type ScoreHistogram, scoreHistogram } from './histogram.ts';
