// Lowers a dfp ONNX inference graph to the TFLite IR: Gemm/MatMul(+Add)(+Relu) become FULLY_CONNECTED, the rest maps op for op.
import { DfpError } from '../../core/errors.ts';
import { attrNumbers, type OnnxConst, type OnnxGraph, type OnnxNode, constNumbers } from '../../core/ml/export/index.ts';
import type { TfModel, TfOp, TfOptions, TfTensor } from './ir.ts';
import type { TfActivation, TfOpName, TfType } from './schema.ts';
import { lowerTreeEnsemble } from './trees.ts';

const UNARY: Record<string, TfOpName> = {
  Relu: 'RELU', Sigmoid: 'LOGISTIC', Tanh: 'TANH', Exp: 'EXP', Log: 'LOG', Abs: 'ABS', Sqrt: 'SQRT', Neg: 'NEG',
};
const BINARY: Record<string, TfOpName> = {
  Add: 'ADD', Sub: 'SUB', Mul: 'MUL', Div: 'DIV', Pow: 'POW', Max: 'MAXIMUM', Min: 'MINIMUM', Greater: 'GREATER', Less: 'LESS',
};
const HANDLED = ['Gemm', 'MatMul', 'ReduceSum', 'ReduceMean', 'Reshape', 'Flatten', 'Unsqueeze', 'Squeeze', 'Where', 'Identity', 'Clip', 'Transpose', 'Concat', 'TreeEnsembleRegressor'];
/** Every ONNX op type the converter accepts, for error messages and docs. */
export const SUPPORTED_ONNX_OPS: readonly string[] = [...HANDLED, ...Object.keys(UNARY), ...Object.keys(BINARY)].sort();

/**
 * Activations folded into FULLY_CONNECTED. Only RELU: LiteRT's FULLY_CONNECTED accepts NONE/RELU/RELU_N1_TO_1/RELU6
 * as fused activations and fails to prepare with TANH (checked with ai-edge-litert 2.3), so Tanh stays a TANH op.
 */
const FUSABLE: Record<string, TfActivation> = { Relu: 'RELU' };

type Sig = number[];

function fail(node: OnnxNode, why: string): never {
  throw new DfpError('INPUT_INVALID', `cannot convert ONNX node '${node.name}' (${node.opType}) to TFLite: ${why}`, { node: node.name, op: node.opType });
}

/** numpy broadcasting on shape signatures; -1 (dynamic) against n > 1 gives n, as the runtime requires them equal. */
function broadcast(a: Sig, b: Sig, node: OnnxNode): Sig {
  const n = Math.max(a.length, b.length);
  const out: Sig = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else if (da === -1) out.push(db);
    else if (db === -1) out.push(da);
    else fail(node, `shapes [${a}] and [${b}] do not broadcast`);
  }
  return out;
}

function normAxis(a: number, rank: number, node: OnnxNode): number {
  const r = a < 0 ? a + rank : a;
  if (r < 0 || r >= rank) fail(node, `axis ${a} is out of range for rank ${rank}`);
  return r;
}

function int32Bytes(v: readonly number[]): Uint8Array {
  return new Uint8Array(Int32Array.from(v).buffer);
}

class Lowering {
  readonly tensors: TfTensor[] = [];
  readonly ops: TfOp[] = [];
  private readonly index = new Map<string, number>();
  private readonly alias = new Map<string, string>();
  private readonly consumers = new Map<string, number[]>();
  private readonly graphOutputs: Set<string>;
  private readonly skip = new Set<number>();
  readonly opTypes = new Set<string>();

  constructor(private readonly g: OnnxGraph) {
    g.nodes.forEach((n, i) => n.inputs.forEach((x) => x && this.consumers.set(x, [...(this.consumers.get(x) ?? []), i])));
    this.graphOutputs = new Set(g.outputs.map((o) => o.name));
    for (const v of g.inputs) {
      if (v.dtype !== 'float32') throw new DfpError('INPUT_INVALID', `graph input '${v.name}' is ${v.dtype}; TFLite export takes float32 inputs only`);
      this.add(v.name, { name: v.name, type: 'float32', shape: v.shape.map((d) => (typeof d === 'number' ? d : -1)) });
    }
  }

  private add(name: string, t: TfTensor): number {
    const i = this.tensors.length;
    this.tensors.push(t);
    this.index.set(name, i);
    return i;
  }

  /** A fresh tensor that no ONNX value names (a converted weight, an axes list). */
  private constTensor(name: string, type: TfType, shape: number[], data: Uint8Array): number {
    let unique = name;
    for (let k = 1; this.index.has(unique); k++) unique = `${name}_${k}`;
    return this.add(unique, { name: unique, type, shape, data });
  }

  private resolve(name: string): string {
    let n = name;
    while (this.alias.has(n)) n = this.alias.get(n) as string;
    return n;
  }

  constOf(name: string): OnnxConst | undefined {
    return this.g.consts.get(this.resolve(name));
  }

  /** Tensor index of an ONNX value, materialising an initializer on first use. */
  tensor(name: string, node: OnnxNode): number {
    const n = this.resolve(name);
    const hit = this.index.get(n);
    if (hit !== undefined) return hit;
    const c = this.g.consts.get(n);
    if (!c) fail(node, `input '${name}' is neither a graph input, an initializer nor an earlier node's output`);
    let type: TfType;
    let data: Uint8Array;
    if (c.dtype === 'float32' || c.dtype === 'bool' || c.dtype === 'int32') {
      type = c.dtype;
      data = new Uint8Array(c.values.buffer, c.values.byteOffset, c.values.byteLength);
    } else if (c.dtype === 'int64') {
      type = 'int32';
      data = int32Bytes(constNumbers(c));
    } else fail(node, `initializer '${n}' is ${c.dtype}; TFLite export handles float32 graphs only`);
    return this.add(n, { name: n, type, shape: [...c.dims], data });
  }

  sig(name: string, node: OnnxNode): Sig {
    return this.tensors[this.tensor(name, node)]?.shape ?? [];
  }

  private type(name: string, node: OnnxNode): TfType {
    return (this.tensors[this.tensor(name, node)] as TfTensor).type;
  }

  private out(name: string, type: TfType, shape: Sig): number {
    return this.add(name, { name, type, shape });
  }

  private emit(op: TfOpName, inputs: number[], outputs: number[], options?: TfOptions): void {
    this.ops.push({ op, inputs, outputs, ...(options ? { options } : {}) });
    this.opTypes.add(op);
  }

  /** The one node reading `name`, when nothing else (no other node, no graph output) does. */
  private soleConsumer(name: string): { node: OnnxNode; index: number } | undefined {
    const uses = this.consumers.get(name) ?? [];
    if (uses.length !== 1 || this.graphOutputs.has(name)) return undefined;
    const index = uses[0] as number;
    return { node: this.g.nodes[index] as OnnxNode, index };
  }

  run(): TfModel {
    this.g.nodes.forEach((n, i) => {
      if (!this.skip.has(i)) this.node(n);
    });
    const outputs = this.g.outputs.map((o) => this.graphOutput(o.name));
    return { tensors: this.tensors, ops: this.ops, inputs: this.g.inputs.map((v) => this.index.get(v.name) as number), outputs, description: 'dfp export (ONNX -> TFLite)' };
  }

  /** Output tensor of a graph output; a copy when it is an input, a constant or already another output's tensor. */
  private readonly taken = new Set<number>();
  private graphOutput(name: string): number {
    const dummy: OnnxNode = { opType: 'Output', name, inputs: [name], outputs: [], attrs: {} };
    const src = this.tensor(name, dummy);
    const t = this.tensors[src] as TfTensor;
    const isInput = this.g.inputs.some((v) => this.index.get(v.name) === src);
    if (!isInput && !t.data && !this.taken.has(src)) {
      t.name = name; // an Identity alias: the producing tensor carries the output's name
      this.taken.add(src);
      return src;
    }
    const shape = this.constTensor(`${name}_shape`, 'int32', [t.shape.length], int32Bytes(t.shape));
    const o = this.tensors.length;
    this.tensors.push({ name, type: t.type, shape: [...t.shape] });
    this.emit('RESHAPE', [src, shape], [o], { kind: 'reshape', newShape: [...t.shape] });
    this.taken.add(o);
    return o;
  }

  private node(n: OnnxNode): void {
    const [y] = n.outputs;
    if (y === undefined || n.outputs.length !== 1) fail(n, 'only single-output nodes are supported');
    const unary = UNARY[n.opType];
    if (unary) {
      const x = n.inputs[0] as string;
      this.emit(unary, [this.tensor(x, n)], [this.out(y, 'float32', this.sig(x, n))]);
      return;
    }
    const binary = BINARY[n.opType];
    if (binary) return this.binary(n, binary, y);
    switch (n.opType) {
      case 'Gemm': return this.gemm(n);
      case 'MatMul': return this.matmul(n);
      case 'ReduceSum':
      case 'ReduceMean': return this.reduce(n, y);
      case 'Reshape': return this.reshape(n, y);
      case 'Flatten': return this.flatten(n, y);
      case 'Unsqueeze':
      case 'Squeeze': return this.squeeze(n, y);
      case 'Where': {
        const [c, a, b] = n.inputs as [string, string, string];
        if (this.type(c, n) !== 'bool') fail(n, 'the condition must be bool');
        const shape = broadcast(this.sig(c, n), broadcast(this.sig(a, n), this.sig(b, n), n), n);
        this.emit('SELECT_V2', [this.tensor(c, n), this.tensor(a, n), this.tensor(b, n)], [this.out(y, 'float32', shape)]);
        return;
      }
      case 'Identity':
        this.alias.set(y, n.inputs[0] as string);
        return;
      case 'Clip': return this.clip(n, y);
      case 'Transpose': return this.transpose(n, y);
      case 'Concat': return this.concat(n, y);
      case 'TreeEnsembleRegressor':
        if (n.domain !== 'ai.onnx.ml') fail(n, 'TreeEnsembleRegressor belongs to the ai.onnx.ml domain');
        return lowerTreeEnsemble(n, y, {
          value: (name) => ({ index: this.tensor(name, n), shape: this.sig(name, n) }),
          constant: (name, shape, data) => this.constTensor(name, 'float32', shape, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
          tensor: (name, type, shape) => this.out(name, type, shape),
          emit: (op, inputs, outputs, options) => this.emit(op, inputs, outputs, options),
        });
      default:
        throw new DfpError(
          'INPUT_INVALID',
          `cannot convert ONNX node '${n.name}': op ${n.opType} has no TFLite mapping in dfp (supported: ${SUPPORTED_ONNX_OPS.join(', ')}); rewrite the graph with supported ops or extend src/export/tflite/lower.ts`,
          { node: n.name, op: n.opType },
        );
    }
  }

  private binary(n: OnnxNode, op: TfOpName, y: string): void {
    const [a, b] = n.inputs as [string, string];
    for (const x of [a, b]) if (this.type(x, n) !== 'float32') fail(n, `operand '${x}' is ${this.type(x, n)}, not float32`);
    const shape = broadcast(this.sig(a, n), this.sig(b, n), n);
    const compare = op === 'GREATER' || op === 'LESS';
    const kind = ({ ADD: 'add', SUB: 'sub', MUL: 'mul', DIV: 'div' } as const)[op as 'ADD'];
    this.emit(op, [this.tensor(a, n), this.tensor(b, n)], [this.out(y, compare ? 'bool' : 'float32', shape)], kind ? { kind, activation: 'NONE' } : undefined);
  }

  /** Gemm(A, B, C): weights [out, in] (transposed unless transB), alpha folded into them, beta into the bias. */
  private gemm(n: OnnxNode): void {
    const [a, b, c] = n.inputs as [string, string, string | undefined];
    if (Number(n.attrs.transA ?? 0) !== 0) fail(n, 'transA=1 is not supported (the batch must be the first operand\'s rows)');
    const B = this.constOf(b);
    if (!B || B.dtype !== 'float32' || B.dims.length !== 2) fail(n, `weight '${b}' must be a 2-D float32 initializer (freeze the parameters into the graph before exporting)`);
    const transB = Number(n.attrs.transB ?? 0) !== 0;
    const alpha = Number(n.attrs.alpha ?? 1);
    const beta = Number(n.attrs.beta ?? 1);
    const [k, m] = transB ? [B.dims[1] as number, B.dims[0] as number] : (B.dims as [number, number]);
    const w = weightOutIn(B.values as Float32Array, B.dims as [number, number], transB, alpha);
    let bias: Float32Array | undefined;
    let late: string | undefined;
    if (c) {
      const C = this.constOf(c);
      const flat = C && C.dtype === 'float32' ? biasVector(C, m) : undefined;
      if (flat) bias = flat.map((v) => v * beta);
      else if (beta === 1) late = c;
      else fail(n, `bias '${c}' is not a constant broadcastable to [${m}] and beta is ${beta}`);
    }
    this.fullyConnected(n, a, w, [m, k], bias, late);
  }

  /** MatMul(x, W) with a constant W [in, out]; a following Add of a [out] constant becomes the bias. */
  private matmul(n: OnnxNode): void {
    const [a, b] = n.inputs as [string, string];
    const B = this.constOf(b);
    if (!B || B.dtype !== 'float32' || B.dims.length !== 2) fail(n, `right operand '${b}' must be a 2-D float32 initializer (freeze the parameters into the graph before exporting)`);
    const [k, m] = B.dims as [number, number];
    const w = weightOutIn(B.values as Float32Array, [k, m], false, 1);
    this.fullyConnected(n, a, w, [m, k], undefined, undefined);
  }

  private fullyConnected(n: OnnxNode, a: string, w: Float32Array, wDims: [number, number], bias: Float32Array | undefined, lateAdd: string | undefined): void {
    const x = this.sig(a, n);
    const [m, k] = wDims;
    if (x.length !== 2) fail(n, `the input must be 2-D [N, ${k}], got rank ${x.length}`);
    if (x[1] !== k && x[1] !== -1) fail(n, `the input has ${x[1]} features but the weight expects ${k}`);
    let y = n.outputs[0] as string;
    // MatMul + Add(constant bias) fuse into one FULLY_CONNECTED.
    if (!bias && !lateAdd) {
      const next = this.soleConsumer(y);
      if (next && next.node.opType === 'Add') {
        const other = next.node.inputs.find((v) => v !== y);
        const C = other === undefined ? undefined : this.constOf(other);
        const flat = C && C.dtype === 'float32' ? biasVector(C, m) : undefined;
        if (flat && next.node.inputs.filter((v) => v === y).length === 1) {
          bias = flat;
          this.skip.add(next.index);
          y = next.node.outputs[0] as string;
        }
      }
    }
    let activation: TfActivation = 'NONE';
    if (!lateAdd) {
      const next = this.soleConsumer(y);
      const act = next ? FUSABLE[next.node.opType] : undefined;
      if (next && act) {
        activation = act;
        this.skip.add(next.index);
        y = next.node.outputs[0] as string;
      }
    }
    const wi = this.constTensor(`${n.name}_weights`, 'float32', [m, k], new Uint8Array(w.buffer));
    const bi = bias ? this.constTensor(`${n.name}_bias`, 'float32', [m], new Uint8Array(bias.buffer)) : -1;
    const shape = [x[0] as number, m];
    if (lateAdd) {
      const pre = this.out(`${y}_fc`, 'float32', shape);
      this.emit('FULLY_CONNECTED', [this.tensor(a, n), wi, bi], [pre], { kind: 'fc', activation: 'NONE' });
      const outShape = broadcast(shape, this.sig(lateAdd, n), n);
      this.emit('ADD', [pre, this.tensor(lateAdd, n)], [this.out(y, 'float32', outShape)], { kind: 'add', activation: 'NONE' });
      return;
    }
    this.emit('FULLY_CONNECTED', [this.tensor(a, n), wi, bi], [this.out(y, 'float32', shape)], { kind: 'fc', activation });
  }

  /** Axes from the second input (opset >= 13) or the 'axes' attribute, normalised against `rank`. */
  private axesOf(n: OnnxNode, rank: number): number[] | undefined {
    const fromInput = n.inputs[1];
    let axes: number[] | undefined;
    if (fromInput) {
      const c = this.constOf(fromInput);
      if (!c) fail(n, `axes '${fromInput}' must be a constant`);
      axes = constNumbers(c);
    } else axes = attrNumbers(n.attrs.axes);
    return axes?.map((a) => normAxis(a, rank, n));
  }

  private axesCount(n: OnnxNode): number {
    const fromInput = n.inputs[1];
    const c = fromInput ? this.constOf(fromInput) : undefined;
    if (c) return constNumbers(c).length;
    return attrNumbers(n.attrs.axes)?.length ?? 0;
  }

  private reduce(n: OnnxNode, y: string): void {
    const x = n.inputs[0] as string;
    const xs = this.sig(x, n);
    const keep = Number(n.attrs.keepdims ?? 1) !== 0;
    let axes = this.axesOf(n, xs.length);
    if (!axes || axes.length === 0) {
      if (Number(n.attrs.noop_with_empty_axes ?? 0) !== 0) {
        this.alias.set(y, x);
        return;
      }
      axes = xs.map((_, i) => i);
    }
    const set = new Set(axes);
    const shape = xs.flatMap((d, i) => (set.has(i) ? (keep ? [1] : []) : [d]));
    const ax = this.constTensor(`${n.name}_axes`, 'int32', [axes.length], int32Bytes([...set].sort()));
    this.emit(n.opType === 'ReduceSum' ? 'SUM' : 'MEAN', [this.tensor(x, n), ax], [this.out(y, 'float32', shape)], { kind: 'reducer', keepDims: keep });
  }

  /** RESHAPE to a target signature (at most one -1, which the runtime infers: the batch). */
  private emitReshape(n: OnnxNode, x: string, y: string, target: Sig): void {
    if (target.filter((d) => d === -1).length > 1) fail(n, `target shape [${target}] has more than one unknown dimension`);
    const shape = this.constTensor(`${n.name}_shape`, 'int32', [target.length], int32Bytes(target));
    this.emit('RESHAPE', [this.tensor(x, n), shape], [this.out(y, this.type(x, n), target)], { kind: 'reshape', newShape: target });
  }

  private reshape(n: OnnxNode, y: string): void {
    const [x, s] = n.inputs as [string, string];
    const c = this.constOf(s);
    if (!c) fail(n, `shape '${s}' must be a constant`);
    const xs = this.sig(x, n);
    const allowZero = Number(n.attrs.allowzero ?? 0) !== 0;
    const raw = constNumbers(c).map((d, i) => (d === 0 && !allowZero ? (xs[i] ?? fail(n, `0 at ${i} copies a missing dimension`)) : d));
    this.emitReshape(n, x, y, inferMinusOne(raw, xs));
  }

  private flatten(n: OnnxNode, y: string): void {
    const x = n.inputs[0] as string;
    const xs = this.sig(x, n);
    const axis = normAxis(Number(n.attrs.axis ?? 1), xs.length + 1, n);
    const prod = (d: Sig): number => (d.includes(-1) ? -1 : d.reduce((p, q) => p * q, 1));
    this.emitReshape(n, x, y, [prod(xs.slice(0, axis)), prod(xs.slice(axis))]);
  }

  private squeeze(n: OnnxNode, y: string): void {
    const x = n.inputs[0] as string;
    const xs = this.sig(x, n);
    if (n.opType === 'Unsqueeze') {
      const outRank = xs.length + this.axesCount(n);
      const axes = new Set(this.axesOf(n, outRank) ?? []);
      const rest = [...xs];
      return this.emitReshape(n, x, y, Array.from({ length: outRank }, (_, i) => (axes.has(i) ? 1 : (rest.shift() as number))));
    }
    const axes = new Set(this.axesOf(n, xs.length) ?? xs.flatMap((d, i) => (d === 1 ? [i] : [])));
    this.emitReshape(n, x, y, xs.filter((_, i) => !axes.has(i)));
  }

  /** Clip(x, min, max) with constant bounds: MAXIMUM then MINIMUM. */
  private clip(n: OnnxNode, y: string): void {
    const [x, lo, hi] = n.inputs as [string, string | undefined, string | undefined];
    const xs = this.sig(x, n);
    let cur = this.tensor(x, n);
    const bounds = ([['MAXIMUM', lo], ['MINIMUM', hi]] as const).filter(([, b]) => b);
    if (bounds.length === 0) return void this.alias.set(y, x);
    bounds.forEach(([op, b], i) => {
      const last = i === bounds.length - 1;
      const o = last ? this.out(y, 'float32', xs) : this.constFreeTensor(`${y}_${op.toLowerCase()}`, xs);
      this.emit(op, [cur, this.tensor(b as string, n)], [o]);
      cur = o;
    });
  }

  private constFreeTensor(name: string, shape: Sig): number {
    let unique = name;
    for (let k = 1; this.index.has(unique); k++) unique = `${name}_${k}`;
    return this.out(unique, 'float32', shape);
  }

  private transpose(n: OnnxNode, y: string): void {
    const x = n.inputs[0] as string;
    const xs = this.sig(x, n);
    const perm = attrNumbers(n.attrs.perm) ?? xs.map((_, i) => xs.length - 1 - i);
    const p = this.constTensor(`${n.name}_perm`, 'int32', [perm.length], int32Bytes(perm));
    this.emit('TRANSPOSE', [this.tensor(x, n), p], [this.out(y, this.type(x, n), perm.map((i) => xs[i] as number))]);
  }

  private concat(n: OnnxNode, y: string): void {
    const shapes = n.inputs.map((x) => this.sig(x, n));
    const rank = (shapes[0] as Sig).length;
    const axis = normAxis(Number(n.attrs.axis ?? 0), rank, n);
    const shape = [...(shapes[0] as Sig)];
    shape[axis] = shapes.some((s) => s[axis] === -1) ? -1 : shapes.reduce((a, s) => a + (s[axis] as number), 0);
    this.emit('CONCATENATION', n.inputs.map((x) => this.tensor(x, n)), [this.out(y, 'float32', shape)], { kind: 'concat', axis });
  }
}

/** Resolves a static -1 in a reshape target from the input's size; keeps it -1 when the input has a dynamic dim. */
function inferMinusOne(target: Sig, input: Sig): Sig {
  if (input.includes(-1) || !target.includes(-1)) return target;
  const total = input.reduce((a, b) => a * b, 1);
  const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  return target.map((d) => (d === -1 ? total / known : d));
}

/** Weights as FULLY_CONNECTED wants them, [out, in], scaled by alpha. */
function weightOutIn(v: Float32Array, dims: [number, number], alreadyOutIn: boolean, alpha: number): Float32Array {
  const [r, c] = dims;
  const out = new Float32Array(r * c);
  if (alreadyOutIn) for (let i = 0; i < out.length; i++) out[i] = (v[i] as number) * alpha;
  else for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = (v[i * c + j] as number) * alpha;
  return out;
}

/** A constant of shape [], [1], [m] or [1, m] as a length-m bias vector; undefined when it is not one. */
function biasVector(c: OnnxConst, m: number): Float32Array | undefined {
  const size = c.dims.reduce((a, b) => a * b, 1);
  const lastOk = c.dims.length === 0 || c.dims[c.dims.length - 1] === m || c.dims[c.dims.length - 1] === 1;
  if (c.dims.length > 2 || !lastOk || (size !== m && size !== 1)) return undefined;
  const v = c.values as Float32Array;
  return size === m ? Float32Array.from(v) : new Float32Array(m).fill(v[0] as number);
}

/** Lowers a decoded ONNX graph; returns the IR and the TFLite op names used. */
export function lowerToTflite(g: OnnxGraph): { model: TfModel; ops: string[] } {
  const l = new Lowering(g);
  const model = l.run();
  return { model, ops: [...l.opTypes].sort() };
}
