// How far an exported artefact's outputs are from the original graph's on the same rows.
import type { NamedArray } from '../engine/onnxruntime/graph.ts';

/** Largest |a - b| over all outputs matched by name; NaN in both counts as equal, NaN in one as Infinity. */
export function maxAbsDiff(a: readonly NamedArray[], b: readonly NamedArray[]): number {
  let worst = 0;
  for (const x of a) {
    const y = b.find((o) => o.name === x.name);
    if (!y || y.data.length !== x.data.length) return Infinity;
    for (let i = 0; i < x.data.length; i++) {
      const p = x.data[i] as number;
      const q = y.data[i] as number;
      const d = Number.isNaN(p) && Number.isNaN(q) ? 0 : Math.abs(p - q);
      worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
    }
  }
  return worst;
}
