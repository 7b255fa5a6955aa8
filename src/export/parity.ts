// How far an exported artefact's outputs are from the original graph's on the same rows.
import type { NamedArray } from '../engine/onnxruntime/graph.ts';

/** Largest |a - b| over all outputs matched by name; NaN in both counts as equal, NaN in one as Infinity. */
export function maxAbsDiff(a: readonly NamedArray[], b: readonly NamedArray[]): number {
  return maxDiff(a, b, () => 1);
}

/**
 * Largest |a - b| / max(1, |a|): the absolute difference for values up to 1 (probabilities), the relative one above
 * (reconstruction losses of extreme rows reach the hundreds, where float32 rounding alone exceeds 1e-4 absolute).
 */
export function maxScaledDiff(a: readonly NamedArray[], b: readonly NamedArray[]): number {
  return maxDiff(a, b, (p) => Math.max(1, Math.abs(p)));
}

function maxDiff(a: readonly NamedArray[], b: readonly NamedArray[], scale: (p: number) => number): number {
  let worst = 0;
  for (const x of a) {
    const y = b.find((o) => o.name === x.name);
    if (!y || y.data.length !== x.data.length) return Infinity;
    for (let i = 0; i < x.data.length; i++) {
      const p = x.data[i] as number;
      const q = y.data[i] as number;
      const d = Number.isNaN(p) && Number.isNaN(q) ? 0 : Math.abs(p - q) / scale(p);
      worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
    }
  }
  return worst;
}
