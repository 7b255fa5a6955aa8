// Relative features the classifier computes from the raw vector in-graph: system-call shares of the total, "ever called" flags.
import type { Graph, T } from '../graph/graph.ts';
import { SYSCALL_COLUMNS } from '../../kronodroid/schema.ts';
import type { PreprocessSpec } from './preprocess.ts';

/** Fitted derived features; appended after the preprocessed columns, so the MLP input is [F + shares + used]. */
export interface DerivedSpec {
  /** Column index of the call total the shares divide by (nr_syscalls). */
  total: number;
  /** Columns whose share of the total, count / (total + 1), is a feature; standardised with center/scale, then clipped. */
  share: number[];
  shareCenter: number[];
  shareScale: number[];
  /** Columns whose "called at least once" flag (raw > 0) is a feature. */
  used: number[];
  clip: number;
}

export interface DerivedOptions {
  share: boolean;
  used: boolean;
  /** 'standard' (default): z-scored on the training rows; a number k: the raw share times k (rare calls keep their small values). */
  shareScale?: 'standard' | number;
}

const f32 = Math.fround;
const TOTAL = 'nr_syscalls';

/** Active system-call columns except the total itself. */
function callColumns(pre: PreprocessSpec): number[] {
  const calls = new Set<string>(SYSCALL_COLUMNS.filter((c) => c !== TOTAL));
  return pre.columns.flatMap((c, j) => (calls.has(c) && pre.active[j] ? [j] : []));
}

export function derivedWidth(d: DerivedSpec | undefined): number {
  return d ? d.share.length + d.used.length : 0;
}

/** Fits the share standardisation on training rows (raw, NaN-filled like preprocessing); undefined when nothing is asked. */
export function fitDerived(pre: PreprocessSpec, x: Float32Array, o: DerivedOptions): DerivedSpec | undefined {
  if (!o.share && !o.used) return undefined;
  const total = pre.columns.indexOf(TOTAL);
  const cols = callColumns(pre);
  const share = o.share && total >= 0 ? cols : [];
  const F = pre.columns.length;
  const n = x.length / F;
  const shareCenter: number[] = [];
  const shareScale: number[] = [];
  const raw = shareRaw(pre, x, total, share);
  for (let k = 0; k < share.length; k++) {
    let m = 0;
    let m2 = 0;
    for (let i = 0; i < n; i++) {
      const v = raw[i * share.length + k] as number;
      m += v;
      m2 += v * v;
    }
    m /= Math.max(1, n);
    const sd = Math.sqrt(Math.max(0, m2 / Math.max(1, n) - m * m));
    const fixed = typeof o.shareScale === 'number';
    shareCenter.push(fixed ? 0 : f32(m));
    shareScale.push(fixed ? f32(o.shareScale as number) : f32(sd > 1e-6 ? 1 / sd : 1));
  }
  return { total, share, shareCenter, shareScale, used: o.used ? cols : [], clip: pre.clip };
}

function filledValue(pre: PreprocessSpec, v: number, j: number): number {
  return v > -1 ? v : (pre.fill[j] as number);
}

/** Unstandardised shares in float32 steps, as the graph computes them. */
function shareRaw(pre: PreprocessSpec, x: Float32Array, total: number, cols: readonly number[]): Float32Array {
  const F = pre.columns.length;
  const n = x.length / F;
  const out = new Float32Array(n * cols.length);
  for (let i = 0; i < n; i++) {
    const denom = f32(filledValue(pre, x[i * F + total] as number, total) + 1);
    cols.forEach((j, k) => (out[i * cols.length + k] = f32(filledValue(pre, x[i * F + j] as number, j) / denom)));
  }
  return out;
}

/** Plain-TypeScript derived features of raw rows [n, derivedWidth]: the trainer's input and the parity reference. */
export function derived(pre: PreprocessSpec, d: DerivedSpec, x: Float32Array): Float32Array {
  const F = pre.columns.length;
  const n = x.length / F;
  const W = derivedWidth(d);
  const out = new Float32Array(n * W);
  const raw = shareRaw(pre, x, d.total, d.share);
  for (let i = 0; i < n; i++) {
    d.share.forEach((_, k) => {
      const z = f32(f32((raw[i * d.share.length + k] as number) - (d.shareCenter[k] as number)) * (d.shareScale[k] as number));
      out[i * W + k] = z > d.clip ? d.clip : -d.clip > z ? -d.clip : z;
    });
    d.used.forEach((j, k) => (out[i * W + d.share.length + k] = filledValue(pre, x[i * F + j] as number, j) > 0 ? 1 : 0));
  }
  return out;
}

/** Row-wise concatenation [n, a] ++ [n, b] (the classifier's training input). */
export function concatRows(a: Float32Array, wa: number, b: Float32Array, wb: number): Float32Array {
  const n = a.length / wa;
  const out = new Float32Array(n * (wa + wb));
  for (let i = 0; i < n; i++) {
    out.set(a.subarray(i * wa, (i + 1) * wa), i * (wa + wb));
    out.set(b.subarray(i * wb, (i + 1) * wb), i * (wa + wb) + wa);
  }
  return out;
}

/** One-hot selection matrix [F, cols.length]: MatMul picks columns (the exporter has no Gather). */
function selector(F: number, cols: readonly number[]): number[] {
  const m = new Array<number>(F * cols.length).fill(0);
  cols.forEach((j, k) => (m[j * cols.length + k] = 1));
  return m;
}

/** The derived blocks as graph ops on raw x [N, F]: [shares [N, S], used [N, U]] (either may be absent). */
export function derivedGraph(g: Graph, x: T, pre: PreprocessSpec, d: DerivedSpec): T[] {
  const F = pre.columns.length;
  const filled = g.where(g.greater(x, g.scalar(-1)), x, g.constant(pre.fill, [F]));
  const blocks: T[] = [];
  if (d.share.length > 0) {
    const S = d.share.length;
    const calls = g.matmul(filled, g.constant(selector(F, d.share), [F, S]));
    const total = g.matmul(filled, g.constant(selector(F, [d.total]), [F, 1]));
    const share = g.div(calls, g.add(total, g.scalar(1)));
    const z = g.mul(g.sub(share, g.constant(d.shareCenter, [S])), g.constant(d.shareScale, [S]));
    const hi = g.scalar(d.clip);
    const lo = g.scalar(-d.clip);
    blocks.push(g.where(g.greater(z, hi), hi, g.where(g.greater(lo, z), lo, z)));
  }
  if (d.used.length > 0) {
    const picked = g.matmul(filled, g.constant(selector(F, d.used), [F, d.used.length]));
    blocks.push(g.where(g.greater(picked, g.scalar(0)), g.scalar(1), g.scalar(0)));
  }
  return blocks;
}
