// Score histograms by class, for plots: how benign and malware scores spread and where the threshold cuts them.
import { DfpError } from '../../errors.ts';
import { type Labels, type Scores, checkLabelsScores } from './input.ts';

/** Counts per bin; bin i covers [edges[i], edges[i+1]), the last bin also includes its right edge. */
export interface ScoreHistogram { edges: number[]; benign: number[]; malware: number[] }

/**
 * Histogram of scores split by label. bins is a bin count (equal widths over [0, 1] when every score lies there, as
 * probabilities do; otherwise over [min, max]) or explicit ascending edges. Scores outside explicit edges are not counted.
 */
export function scoreHistogram(scores: Scores, labels: Labels, bins: number | readonly number[]): ScoreHistogram {
  checkLabelsScores(labels, scores, 'scoreHistogram');
  const edges = typeof bins === 'number' ? equalEdges(scores, bins) : checkEdges(bins);
  const k = edges.length - 1;
  const benign = new Array<number>(k).fill(0);
  const malware = new Array<number>(k).fill(0);
  const lo = edges[0]!;
  const hi = edges[k]!;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (s < lo || s > hi) continue;
    const b = s === hi ? k - 1 : upperBound(edges, s) - 1;
    if (labels[i] === 1) malware[b]!++;
    else benign[b]!++;
  }
  return { edges, benign, malware };
}

function equalEdges(scores: Scores, bins: number): number[] {
  if (!Number.isInteger(bins) || bins < 1) throw new DfpError('INPUT_INVALID', `scoreHistogram: bins is ${bins}; pass a whole number ≥ 1 (e.g. 20)`);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    min = Math.min(min, scores[i]!);
    max = Math.max(max, scores[i]!);
  }
  if (min >= 0 && max <= 1) [min, max] = [0, 1];
  if (min === max) [min, max] = [min - 0.5, max + 0.5]; // all scores equal: one visible bin around them
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + ((max - min) * i) / bins));
}

function checkEdges(edges: readonly number[]): number[] {
  const ok = edges.length >= 2 && edges.every((e, i) => Number.isFinite(e) && (i === 0 || e > edges[i - 1]!));
  if (!ok) throw new DfpError('INPUT_INVALID', 'scoreHistogram: bin edges must be at least two finite, strictly ascending numbers');
  return [...edges];
}

/** Index of the first edge greater than x. */
function upperBound(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
