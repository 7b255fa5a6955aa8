// Input checks and the one sort that every curve shares: rows grouped by distinct score, highest first.
import { DfpError } from '../../errors.ts';

/** Binary labels (1 = malware, 0 = benign), one per row. */
export type Labels = Uint8Array | readonly number[];
/** Model scores, one per row; higher means more malicious. */
export type Scores = Float32Array | Float64Array | readonly number[];

/** Checks that labels are 0/1, scores are finite, and both have the same non-zero length. */
export function checkLabelsScores(labels: Labels, scores: Scores, what = 'scores'): void {
  if (labels.length !== scores.length) {
    throw new DfpError('INPUT_INVALID', `${what}: ${labels.length} labels but ${scores.length} scores; pass one score per labelled row`);
  }
  if (labels.length === 0) throw new DfpError('INPUT_INVALID', `${what}: no rows to evaluate; check the split is not empty`);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new DfpError('INPUT_INVALID', `${what}: label at row ${i} is ${String(y)}; labels must be 0 (benign) or 1 (malware)`);
  }
  checkScores(scores, what);
}

/** Checks every score is a finite number (a NaN or infinite score means the model or its input is broken). */
export function checkScores(scores: Scores, what = 'scores'): void {
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) throw new DfpError('INPUT_INVALID', `${what}: score at row ${i} is ${s}; the model produced a non-finite score — check its inputs for NaN or overflow`);
  }
}

/** Checks a decision threshold is a number (±Infinity allowed: "flag nothing" / "flag everything"). */
export function checkThreshold(threshold: number, what = 'threshold'): void {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    throw new DfpError('INPUT_INVALID', `${what} is ${String(threshold)}; pass a number (a score strictly above it is flagged as malware)`);
  }
}

/** Counts at one distinct score: how many malware (pos) and benign (neg) rows have exactly this score. */
export interface ScoreGroup { score: number; pos: number; neg: number }

/** Rows grouped by distinct score, highest score first, with the class totals. */
export interface Grouped { groups: ScoreGroup[]; positives: number; negatives: number }

/** Groups rows by distinct score in descending order; ties land in one group, which is what makes the curves tie-aware. */
export function groupByScore(labels: Labels, scores: Scores): Grouped {
  const n = scores.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[b]! - scores[a]!);
  const groups: ScoreGroup[] = [];
  let positives = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const s = scores[i]!;
    const y = labels[i]!;
    positives += y;
    const last = groups[groups.length - 1];
    if (last !== undefined && last.score === s) {
      if (y === 1) last.pos++;
      else last.neg++;
    } else {
      groups.push({ score: s, pos: y, neg: 1 - y });
    }
  }
  return { groups, positives, negatives: n - positives };
}
