// Static shape helpers for the graph builder: numpy-style broadcasting with symbolic (string) dimensions.
export type Dim = number | string;
export type Shape = readonly Dim[];

/** Broadcast two shapes; a symbolic dim wins over 1, and two different dims that are not 1 are an error. */
export function broadcastShapes(a: Shape, b: Shape): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else throw new Error(`shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
  }
  return out;
}

/** Axes of `out` that a tensor of shape `target` was broadcast along: leading extra axes and axes where target has 1. */
export function broadcastAxes(target: Shape, out: Shape): { leading: number[]; kept: number[] } {
  const r = out.length - target.length;
  const leading = Array.from({ length: r }, (_, i) => i);
  const kept: number[] = [];
  target.forEach((d, i) => {
    if (d === 1 && out[i + r] !== 1) kept.push(i);
  });
  return { leading, kept };
}

/** Number of elements when all dims are static, else undefined. */
export function staticSize(s: Shape): number | undefined {
  let n = 1;
  for (const d of s) {
    if (typeof d !== 'number') return undefined;
    n *= d;
  }
  return n;
}

export function normAxes(axes: readonly number[] | undefined, rank: number): number[] {
  const all = axes ?? Array.from({ length: rank }, (_, i) => i);
  return [...new Set(all.map((a) => (a < 0 ? a + rank : a)))].sort((x, y) => x - y);
}
