/**
 * @module Population stability index: how far a current sample's distribution has moved from a reference's,
 * on bins cut at the reference's quantiles. PSI = Σ (c_i − r_i) · ln(c_i / r_i) over the bins' shares; the
 * credit-scoring rule of thumb reads < 0.1 as stable, 0.1–0.25 as a moderate shift and > 0.25 as a major one.
 * Missing values (NaN) have a bin of their own, so a column that starts arriving empty counts as drift.
 */

export interface PsiOptions {
  /** Quantile bins of the reference (fewer when the reference has fewer distinct values). Default 10. */
  bins?: number;
  /** Share given to an empty bin, so the logarithm stays finite. Default 1e-4. */
  epsilon?: number;
}

export interface PsiResult {
  psi: number;
  /** Upper bounds of the value bins (the last bin also takes anything larger). */
  edges: number[];
  reference: number[];
  current: number[];
}

/** Upper bin edges at the reference's quantiles, merged where values repeat (a count that is mostly 0). */
export function quantileEdges(reference: ArrayLike<number>, bins: number): number[] {
  const finite = Float64Array.from(reference).filter((v) => !Number.isNaN(v)).sort();
  if (finite.length === 0) return [];
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const v = finite[Math.min(finite.length - 1, Math.ceil((k * finite.length) / bins) - 1)]!;
    if (edges.length === 0 || v > edges[edges.length - 1]!) edges.push(v);
  }
  const max = finite[finite.length - 1]!;
  if (edges.length === 0 || max > edges[edges.length - 1]!) edges.push(max);
  return edges;
}

/** Shares of values per bin: value bins by `edges` (v ≤ edge), then the missing bin. */
export function binShares(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) {
      counts[edges.length]!++;
      continue;
    }
    let lo = 0;
    let hi = edges.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v <= edges[mid]!) hi = mid;
      else lo = mid + 1;
    }
    counts[lo]!++;
  }
  return counts.map((c) => c / Math.max(1, values.length));
}

export function psi(reference: ArrayLike<number>, current: ArrayLike<number>, opts: PsiOptions = {}): PsiResult {
  const eps = opts.epsilon ?? 1e-4;
  const edges = quantileEdges(reference, opts.bins ?? 10);
  const r = binShares(reference, edges);
  const c = binShares(current, edges);
  let sum = 0;
  for (let i = 0; i < r.length; i++) {
    if (r[i] === 0 && c[i] === 0) continue; // a bin neither sample uses says nothing
    const ri = Math.max(r[i]!, eps);
    const ci = Math.max(c[i]!, eps);
    sum += (ci - ri) * Math.log(ci / ri);
  }
  return { psi: sum, edges, reference: r, current: c };
}
