// Graph builder: records ONNX nodes with static shapes and a tape of backward rules for reverse-mode autodiff.
import { type AttrValue, type DType, type ModelSpec, type NodeSpec, encodeModel } from './onnx-proto.ts';
import { type Dim, type Shape, broadcastAxes, broadcastShapes, normAxes, staticSize } from './shape.ts';

/** A value in the graph. The name may change until the model is emitted (outputs get renamed, not copied). */
export interface T {
  readonly id: number;
  name: string;
  readonly dtype: DType;
  readonly shape: readonly Dim[];
}

export type FloatType = 'float32' | 'float64';
/** Backward rule: given the output gradient and which inputs need one, returns per-input gradients. */
type Backward = (g: T, need: readonly boolean[]) => (T | undefined)[];
interface TapeEntry { inputs: T[]; output: T; backward: Backward }
interface PendingNode { opType: string; inputs: T[]; outputs: T[]; attrs?: Record<string, AttrValue>; domain?: string }

/** ONNX opset emitted; onnxruntime 1.30 runs it on CPU, and it still has ReduceMean axes as an attribute. */
export const OPSET = 17;
/** IR version matching opset 17. */
export const IR_VERSION = 8;
/** The traditional-ML operator set and the version emitted (TreeEnsembleRegressor with float attributes). */
export const ML_DOMAIN = 'ai.onnx.ml';
export const ML_OPSET = 3;

export interface GemmOpts { transA?: boolean; transB?: boolean; alpha?: number; beta?: number }

export class Graph {
  private next = 0;
  private readonly nodes: PendingNode[] = [];
  private readonly tape: TapeEntry[] = [];
  private readonly inputs: T[] = [];
  private readonly outputs: T[] = [];
  private readonly consts: { t: T; data: Uint8Array; dims: number[] }[] = [];
  private readonly constCache = new Map<string, T>();
  private taping = true;

  constructor(readonly dtype: FloatType = 'float32') {}

  private value(shape: readonly Dim[], dtype: DType = this.dtype): T {
    const id = this.next++;
    return { id, name: `t${id}`, dtype, shape: [...shape] };
  }

  private node(opType: string, inputs: T[], shape: readonly Dim[], attrs?: Record<string, AttrValue>, dtype?: DType): T {
    const out = this.value(shape, dtype);
    this.nodes.push({ opType, inputs, outputs: [out], attrs });
    return out;
  }

  /**
   * A node of the traditional-ML operator set (ai.onnx.ml, version ML_OPSET), e.g. a tree ensemble: inference
   * only (no gradient), output of the given shape and type.
   */
  mlOp(opType: string, inputs: T[], shape: readonly Dim[], attrs: Record<string, AttrValue>, dtype?: DType): T {
    const out = this.value(shape, dtype);
    this.nodes.push({ opType, inputs, outputs: [out], attrs, domain: ML_DOMAIN });
    return out;
  }

  private record(inputs: T[], output: T, backward: Backward): T {
    if (this.taping) this.tape.push({ inputs, output, backward });
    return output;
  }

  // ---- graph interface ----

  input(name: string, shape: Shape, dtype: DType = this.dtype): T {
    const t = this.value(shape, dtype);
    t.name = name;
    this.inputs.push(t);
    return t;
  }

  /** Marks `t` as a graph output under `name`, renaming the producing node's output (no Identity copy) when possible. */
  output(t: T, name: string): void {
    const isInput = this.inputs.includes(t) || this.consts.some((c) => c.t === t) || this.outputs.includes(t);
    if (isInput) {
      const copy = this.node('Identity', [t], t.shape, undefined, t.dtype);
      copy.name = name;
      this.outputs.push(copy);
      return;
    }
    t.name = name;
    this.outputs.push(t);
  }

  /** A constant tensor (initializer). Scalars are cached so repeated literals share one initializer. */
  constant(values: ArrayLike<number>, shape: number[], dtype: DType = this.dtype): T {
    const key = shape.length === 0 && values.length === 1 ? `${dtype}:${values[0]}` : undefined;
    const hit = key === undefined ? undefined : this.constCache.get(key);
    if (hit) return hit;
    const t = this.value(shape, dtype);
    t.name = `c${t.id}`;
    let data: Uint8Array;
    if (dtype === 'float32') data = new Uint8Array(Float32Array.from(values).buffer);
    else if (dtype === 'float64') data = new Uint8Array(Float64Array.from(values).buffer);
    else if (dtype === 'int64') data = new Uint8Array(BigInt64Array.from(Array.from(values, (v) => BigInt(v))).buffer);
    else data = Uint8Array.from(values, (v) => (v ? 1 : 0));
    this.consts.push({ t, data, dims: shape });
    if (key !== undefined) this.constCache.set(key, t);
    return t;
  }

  scalar(v: number): T {
    return this.constant([v], []);
  }

  private ints(v: readonly number[]): T {
    return this.constant(v, [v.length], 'int64');
  }

  // ---- non-differentiable helpers ----

  greater(a: T, b: T): T {
    return this.node('Greater', [a, b], broadcastShapes(a.shape, b.shape), undefined, 'bool');
  }

  /** Where(cond, a, b); differentiable in a and b, not in cond. */
  where(cond: T, a: T, b: T): T {
    const y = this.node('Where', [cond, a, b], broadcastShapes(cond.shape, broadcastShapes(a.shape, b.shape)));
    const zero = this.scalar(0);
    return this.record([cond, a, b], y, (g, need) => [
      undefined,
      need[1] ? this.unbroadcast(this.where(cond, g, zero), a.shape) : undefined,
      need[2] ? this.unbroadcast(this.where(cond, zero, g), b.shape) : undefined,
    ]);
  }

  /** Sums g over the axes along which a tensor of `target` shape was broadcast, giving it `target`'s shape. */
  unbroadcast(g: T, target: Shape): T {
    const { leading, kept } = broadcastAxes(target, g.shape);
    let out = g;
    if (leading.length > 0) out = this.reduceSum(out, leading, false);
    if (kept.length > 0) out = this.reduceSum(out, kept, true);
    return out;
  }

  /** Broadcasts g to x's (runtime) shape. */
  expandLike(g: T, x: T): T {
    const shape = this.node('Shape', [x], [x.shape.length], undefined, 'int64');
    const y = this.node('Expand', [g, shape], broadcastShapes(g.shape, x.shape));
    return this.record([g], y, (gy, need) => [need[0] ? this.unbroadcast(gy, g.shape) : undefined]);
  }

  // ---- differentiable ops ----

  /** Gemm: alpha * op(A) @ op(B) + beta * C, C broadcast to [M, N]. */
  gemm(a: T, b: T, c?: T, o: GemmOpts = {}): T {
    const tA = o.transA ?? false;
    const tB = o.transB ?? false;
    const alpha = o.alpha ?? 1;
    const beta = o.beta ?? 1;
    const m = a.shape[tA ? 1 : 0] as Dim;
    const n = b.shape[tB ? 0 : 1] as Dim;
    const attrs: Record<string, AttrValue> = { transA: { int: tA ? 1 : 0 }, transB: { int: tB ? 1 : 0 }, alpha, beta };
    const y = this.node('Gemm', c ? [a, b, c] : [a, b], [m, n], attrs);
    const gm = (p: T, q: T, ta: boolean, tb: boolean): T => this.gemm(p, q, undefined, { transA: ta, transB: tb, alpha });
    return this.record(c ? [a, b, c] : [a, b], y, (g, need) => [
      // dA = dY op(B)^T, transposed back when A was used transposed.
      need[0] ? (tA ? gm(b, g, tB, true) : gm(g, b, false, !tB)) : undefined,
      // dB = op(A)^T dY, transposed back when B was used transposed.
      need[1] ? (tB ? gm(g, a, true, tA) : gm(a, g, !tA, false)) : undefined,
      need[2] && c ? this.scale(this.biasGrad(g, c), beta) : undefined,
    ]);
  }

  /**
   * Gradient of a Gemm's C input. A bias row [N] under a static batch gets ones[1, M] @ dY: one small Gemm that MLAS
   * runs ~5x faster than ReduceSum over axis 0 of [M, N] (its column reduction is strided). Other shapes unbroadcast.
   */
  private biasGrad(g: T, c: T): T {
    const [m, n] = g.shape;
    if (c.shape.length !== 1 || typeof m !== 'number' || typeof n !== 'number' || c.shape[0] !== n) return this.unbroadcast(g, c.shape);
    const ones = this.constant(new Array<number>(m).fill(1), [1, m]);
    return this.node('Reshape', [this.node('Gemm', [ones, g], [1, n]), this.ints([n])], [n]);
  }

  /** 2-D transpose; its gradient is the transpose back. */
  transpose(x: T): T {
    if (x.shape.length !== 2) throw new Error('transpose supports 2-D tensors only');
    const y = this.node('Transpose', [x], [x.shape[1] as Dim, x.shape[0] as Dim], { perm: { ints: [1, 0] } });
    return this.record([x], y, (g) => [this.transpose(g)]);
  }

  /** 2-D MatMul; backward uses Gemm with transposes instead of explicit Transpose nodes. */
  matmul(a: T, b: T): T {
    if (a.shape.length !== 2 || b.shape.length !== 2) throw new Error('matmul supports 2-D operands only');
    const y = this.node('MatMul', [a, b], [a.shape[0] as Dim, b.shape[1] as Dim]);
    return this.record([a, b], y, (g, need) => [
      need[0] ? this.gemm(g, b, undefined, { transB: true }) : undefined,
      need[1] ? this.gemm(a, g, undefined, { transA: true }) : undefined,
    ]);
  }

  add(a: T, b: T): T {
    const y = this.node('Add', [a, b], broadcastShapes(a.shape, b.shape));
    return this.record([a, b], y, (g, need) => [
      need[0] ? this.unbroadcast(g, a.shape) : undefined,
      need[1] ? this.unbroadcast(g, b.shape) : undefined,
    ]);
  }

  sub(a: T, b: T): T {
    const y = this.node('Sub', [a, b], broadcastShapes(a.shape, b.shape));
    return this.record([a, b], y, (g, need) => [
      need[0] ? this.unbroadcast(g, a.shape) : undefined,
      need[1] ? this.unbroadcast(this.neg(g), b.shape) : undefined,
    ]);
  }

  mul(a: T, b: T): T {
    const y = this.node('Mul', [a, b], broadcastShapes(a.shape, b.shape));
    return this.record([a, b], y, (g, need) => [
      need[0] ? this.unbroadcast(this.mul(g, b), a.shape) : undefined,
      need[1] ? this.unbroadcast(this.mul(g, a), b.shape) : undefined,
    ]);
  }

  div(a: T, b: T): T {
    const y = this.node('Div', [a, b], broadcastShapes(a.shape, b.shape));
    return this.record([a, b], y, (g, need) => [
      need[0] ? this.unbroadcast(this.div(g, b), a.shape) : undefined,
      // d(a/b)/db = -a/b^2 = -y/b
      need[1] ? this.unbroadcast(this.neg(this.div(this.mul(g, y), b)), b.shape) : undefined,
    ]);
  }

  /** Multiplies by a literal; a no-op for 1. */
  scale(x: T, k: number): T {
    return k === 1 ? x : this.mul(x, this.scalar(k));
  }

  neg(x: T): T {
    const y = this.node('Neg', [x], x.shape);
    return this.record([x], y, (g) => [this.neg(g)]);
  }

  relu(x: T): T {
    const y = this.node('Relu', [x], x.shape);
    // Mask from the output: y > 0 exactly where x > 0.
    return this.record([x], y, (g) => [this.where(this.greater(y, this.scalar(0)), g, this.scalar(0))]);
  }

  sigmoid(x: T): T {
    const y = this.node('Sigmoid', [x], x.shape);
    return this.record([x], y, (g) => [this.mul(g, this.mul(y, this.sub(this.scalar(1), y)))]);
  }

  tanh(x: T): T {
    const y = this.node('Tanh', [x], x.shape);
    return this.record([x], y, (g) => [this.mul(g, this.sub(this.scalar(1), this.mul(y, y)))]);
  }

  exp(x: T): T {
    const y = this.node('Exp', [x], x.shape);
    return this.record([x], y, (g) => [this.mul(g, y)]);
  }

  log(x: T): T {
    const y = this.node('Log', [x], x.shape);
    return this.record([x], y, (g) => [this.div(g, x)]);
  }

  /** log(1 + x); accurate enough for the x = exp(-|z|) in (0, 1] that BCE uses. */
  log1p(x: T): T {
    return this.log(this.add(x, this.scalar(1)));
  }

  abs(x: T): T {
    const y = this.node('Abs', [x], x.shape);
    return this.record([x], y, (g) => [this.mul(g, this.node('Sign', [x], x.shape))]);
  }

  sqrt(x: T): T {
    const y = this.node('Sqrt', [x], x.shape);
    return this.record([x], y, (g) => [this.div(this.scale(g, 0.5), y)]);
  }

  /** Dropout with a mask fed as a graph input (already scaled by 1/keep), so the graph stays deterministic. */
  dropout(x: T, mask: T): T {
    return this.mul(x, mask);
  }

  reduceSum(x: T, axes?: readonly number[], keepdims = false): T {
    const ax = normAxes(axes, x.shape.length);
    const shape = reducedShape(x.shape, ax, keepdims);
    const y = this.node('ReduceSum', [x, this.ints(ax)], shape, { keepdims: { int: keepdims ? 1 : 0 } });
    return this.record([x], y, (g) => [this.expandLike(keepdims ? g : this.unsqueeze(g, ax), x)]);
  }

  reduceMean(x: T, axes?: readonly number[], keepdims = false): T {
    const ax = normAxes(axes, x.shape.length);
    const shape = reducedShape(x.shape, ax, keepdims);
    const y = this.node('ReduceMean', [x], shape, { axes: { ints: ax }, keepdims: { int: keepdims ? 1 : 0 } });
    return this.record([x], y, (g) => {
      const spread = this.expandLike(keepdims ? g : this.unsqueeze(g, ax), x);
      return [this.div(spread, this.countRatio(x, y))];
    });
  }

  private unsqueeze(x: T, axes: number[]): T {
    const shape: Dim[] = [...x.shape];
    for (const a of axes) shape.splice(a, 0, 1);
    const y = this.node('Unsqueeze', [x, this.ints(axes)], shape);
    return this.record([x], y, (g) => [this.reduceSumNoKeep(g, axes)]);
  }

  private reduceSumNoKeep(g: T, axes: number[]): T {
    return this.reduceSum(g, axes, false);
  }

  /** size(x) / size(y) as a float scalar: static when shapes are, else computed at run time (symbolic batch). */
  private countRatio(x: T, y: T): T {
    const sx = staticSize(x.shape);
    const sy = staticSize(y.shape);
    if (sx !== undefined && sy !== undefined) return this.scalar(sx / sy);
    const cx = this.node('Cast', [this.node('Size', [x], [], undefined, 'int64')], [], { to: { int: dtypeCode(this.dtype) } });
    const cy = this.node('Cast', [this.node('Size', [y], [], undefined, 'int64')], [], { to: { int: dtypeCode(this.dtype) } });
    return this.node('Div', [cx, cy], []);
  }

  /** Mean squared error over all elements; fused backward 2(p - t)/N instead of the generic Mul/ReduceMean chain. */
  mse(pred: T, target: T): T {
    this.taping = false;
    const d = this.sub(pred, target);
    const loss = this.reduceMean(this.mul(d, d));
    const n = this.countRatio(d, loss);
    this.taping = true;
    return this.record([pred, target], loss, (g, need) => {
      const gd = this.mul(d, this.div(this.scale(g, 2), n));
      return [need[0] ? gd : undefined, need[1] ? this.neg(gd) : undefined];
    });
  }

  /** Mean binary cross-entropy on logits, stable form max(z,0) - z*t + log1p(exp(-|z|)); backward (sigmoid(z) - t)/N. */
  bceWithLogits(logits: T, target: T): T {
    this.taping = false;
    const z = logits;
    const per = this.add(this.sub(this.relu(z), this.mul(z, target)), this.log1p(this.exp(this.neg(this.abs(z)))));
    const loss = this.reduceMean(per);
    const n = this.countRatio(per, loss);
    this.taping = true;
    return this.record([logits, target], loss, (g, need) => {
      const k = this.div(g, n);
      return [
        need[0] ? this.mul(this.sub(this.sigmoid(z), target), k) : undefined,
        need[1] ? this.mul(this.neg(z), k) : undefined,
      ];
    });
  }

  /** Reshape to a static shape; the gradient is reshaped back. */
  reshape(x: T, shape: number[]): T {
    const y = this.node('Reshape', [x, this.ints(shape)], shape);
    return this.record([x], y, (g) => [this.reshape(g, x.shape.map(Number))]);
  }

  /** A static slice [start, end) of a 1-D tensor, reshaped; a leaf for autodiff (gradients are taken w.r.t. it). */
  view(flat: T, start: number, shape: number[]): T {
    const n = shape.reduce((a, b) => a * b, 1);
    const s = this.node('Slice', [flat, this.ints([start]), this.ints([start + n])], [n]);
    return this.node('Reshape', [s, this.ints(shape)], shape);
  }

  /** Concat along axis 0 of 1-D tensors (no gradient; used to flatten gradients for a fused optimizer update). */
  concat1d(parts: T[]): T {
    const n = parts.reduce((a, p) => a + (staticSize(p.shape) ?? NaN), 0);
    const flat = parts.map((p) => (p.shape.length === 1 ? p : this.node('Reshape', [p, this.ints([-1])], [staticSize(p.shape) ?? -1])));
    return this.node('Concat', flat, [n], { axis: { int: 0 } });
  }

  /** Pow(base, exponent) without a gradient; used for Adam's bias correction on the step input. */
  pow(base: T, exponent: T): T {
    return this.node('Pow', [base, exponent], broadcastShapes(base.shape, exponent.shape));
  }

  // ---- autodiff ----

  /** Reverse-mode gradients of scalar `loss` with respect to each of `wrt` (zeros-free: unreachable inputs throw). */
  grad(loss: T, wrt: readonly T[]): T[] {
    if (staticSize(loss.shape) !== 1) throw new Error('grad needs a scalar loss');
    const needs = new Set<number>(wrt.map((t) => t.id));
    const end = this.tape.length;
    for (let i = 0; i < end; i++) {
      const e = this.tape[i] as TapeEntry;
      if (e.inputs.some((t) => needs.has(t.id))) needs.add(e.output.id);
    }
    const grads = new Map<number, T>([[loss.id, this.constant([1], loss.shape.map(Number))]]);
    for (let i = end - 1; i >= 0; i--) {
      const e = this.tape[i] as TapeEntry;
      const g = grads.get(e.output.id);
      if (!g || !needs.has(e.output.id)) continue;
      const need = e.inputs.map((t) => needs.has(t.id));
      const gs = e.backward(g, need);
      e.inputs.forEach((t, k) => {
        const gk = gs[k];
        if (!need[k] || !gk) return;
        const prev = grads.get(t.id);
        grads.set(t.id, prev ? this.add(prev, gk) : gk);
      });
    }
    return wrt.map((t) => {
      const g = grads.get(t.id);
      if (!g) throw new Error(`loss does not depend on ${t.name}`);
      return g;
    });
  }

  // ---- emission ----

  toModelSpec(graphName = 'dfp'): ModelSpec {
    const live = this.liveNodes();
    const nodes: NodeSpec[] = live.map((n) => ({
      opType: n.opType,
      inputs: n.inputs.map((t) => t.name),
      outputs: n.outputs.map((t) => t.name),
      attrs: n.attrs,
      ...(n.domain ? { domain: n.domain } : {}),
    }));
    const liveInputs = new Set<number>();
    for (const n of live) for (const t of n.inputs) liveInputs.add(t.id);
    for (const t of this.outputs) liveInputs.add(t.id);
    return {
      nodes,
      inputs: this.inputs.map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape] })),
      outputs: this.outputs.map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape] })),
      initializers: this.consts
        .filter((c) => liveInputs.has(c.t.id))
        .map((c) => ({ name: c.t.name, dtype: c.t.dtype, dims: c.dims, data: c.data })),
      opset: OPSET,
      ...(live.some((n) => n.domain === ML_DOMAIN) ? { extraOpsets: [{ domain: ML_DOMAIN, version: ML_OPSET }] } : {}),
      irVersion: IR_VERSION,
      graphName,
    };
  }

  toBytes(graphName = 'dfp'): Uint8Array {
    return encodeModel(this.toModelSpec(graphName));
  }

  /** Nodes that contribute to an output; forward values computed for losses but unused by a graph are dropped. */
  private liveNodes(): PendingNode[] {
    const want = new Set<number>(this.outputs.map((t) => t.id));
    const keep: boolean[] = new Array<boolean>(this.nodes.length).fill(false);
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i] as PendingNode;
      if (n.outputs.some((t) => want.has(t.id))) {
        keep[i] = true;
        for (const t of n.inputs) want.add(t.id);
      }
    }
    return this.nodes.filter((_, i) => keep[i]);
  }
}

function reducedShape(shape: readonly Dim[], axes: number[], keepdims: boolean): Dim[] {
  const out: Dim[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

function dtypeCode(d: FloatType): number {
  return d === 'float32' ? 1 : 11;
}
