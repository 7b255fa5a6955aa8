// A small float64-accumulating reference evaluator of the TFLite op subset dfp writes, so `dfp export` can report parity without a TFLite runtime.
import { DfpError } from '../../core/errors.ts';
import type { NamedArray } from '../../engine/onnxruntime/index.ts';
import type { TfModel, TfOp, TfTensor } from './ir.ts';

interface Val { shape: number[]; data: Float32Array | Int32Array | Uint8Array }

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function broadcastShape(shapes: number[][]): number[] {
  const r = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: r }, (_, i) => Math.max(...shapes.map((s) => s[s.length - r + i] ?? 1)));
}

/** Flat offsets into each operand for every element of the broadcast output. */
function broadcastMap(out: number[], shapes: number[][]): Int32Array[] {
  const n = size(out);
  const r = out.length;
  return shapes.map((s) => {
    const strides = new Array<number>(r).fill(0);
    let st = 1;
    for (let i = s.length - 1; i >= 0; i--) {
      strides[r - s.length + i] = s[i] === 1 ? 0 : st;
      st *= s[i] as number;
    }
    const map = new Int32Array(n);
    const idx = new Array<number>(r).fill(0);
    for (let k = 0; k < n; k++) {
      let off = 0;
      for (let d = 0; d < r; d++) off += (idx[d] as number) * (strides[d] as number);
      map[k] = off;
      for (let d = r - 1; d >= 0; d--) {
        idx[d] = (idx[d] as number) + 1;
        if ((idx[d] as number) < (out[d] as number)) break;
        idx[d] = 0;
      }
    }
    return map;
  });
}

const UNARY: Partial<Record<TfOp['op'], (x: number) => number>> = {
  RELU: (x) => Math.max(0, x),
  LOGISTIC: (x) => 1 / (1 + Math.exp(-x)),
  TANH: Math.tanh,
  EXP: Math.exp,
  LOG: Math.log,
  ABS: Math.abs,
  SQRT: Math.sqrt,
  NEG: (x) => -x,
};
const BINARY: Partial<Record<TfOp['op'], (a: number, b: number) => number>> = {
  ADD: (a, b) => a + b,
  SUB: (a, b) => a - b,
  MUL: (a, b) => a * b,
  DIV: (a, b) => a / b,
  POW: Math.pow,
  MAXIMUM: Math.max,
  MINIMUM: Math.min,
  GREATER: (a, b) => (a > b ? 1 : 0),
  LESS: (a, b) => (a < b ? 1 : 0),
};

function constVal(t: TfTensor): Val {
  const d = t.data as Uint8Array;
  const buf = d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength);
  const data = t.type === 'float32' ? new Float32Array(buf) : t.type === 'int32' ? new Int32Array(buf) : new Uint8Array(buf);
  return { shape: t.shape, data };
}

function step(op: TfOp, ins: Val[]): Val {
  const un = UNARY[op.op];
  const x = ins[0] as Val;
  if (un) return { shape: x.shape, data: Float32Array.from(x.data, un) };
  const bin = BINARY[op.op];
  if (bin) {
    const [a, b] = ins as [Val, Val];
    const shape = broadcastShape([a.shape, b.shape]);
    const [ma, mb] = broadcastMap(shape, [a.shape, b.shape]) as [Int32Array, Int32Array];
    const compare = op.op === 'GREATER' || op.op === 'LESS';
    const out = compare ? new Uint8Array(size(shape)) : new Float32Array(size(shape));
    for (let k = 0; k < out.length; k++) out[k] = bin(a.data[ma[k] as number] as number, b.data[mb[k] as number] as number);
    return { shape, data: out };
  }
  switch (op.op) {
    case 'FULLY_CONNECTED': {
      const [w, b] = [ins[1] as Val, ins[2]];
      const [m, k] = w.shape as [number, number];
      const n = x.data.length / k;
      const out = new Float32Array(n * m);
      const relu = op.options?.kind === 'fc' && op.options.activation === 'RELU';
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          let s = b ? (b.data[j] as number) : 0;
          for (let q = 0; q < k; q++) s += (x.data[i * k + q] as number) * (w.data[j * k + q] as number);
          out[i * m + j] = relu ? Math.max(0, s) : s;
        }
      }
      return { shape: [n, m], data: out };
    }
    case 'SELECT_V2': {
      const [c, a, b] = ins as [Val, Val, Val];
      const shape = broadcastShape([c.shape, a.shape, b.shape]);
      const [mc, ma, mb] = broadcastMap(shape, [c.shape, a.shape, b.shape]) as [Int32Array, Int32Array, Int32Array];
      const out = new Float32Array(size(shape));
      for (let k = 0; k < out.length; k++) out[k] = c.data[mc[k] as number] ? (a.data[ma[k] as number] as number) : (b.data[mb[k] as number] as number);
      return { shape, data: out };
    }
    case 'SUM':
    case 'MEAN': {
      const axes = new Set(Array.from((ins[1] as Val).data, (a) => (a < 0 ? a + x.shape.length : a)));
      const keep = op.options?.kind === 'reducer' && op.options.keepDims;
      const outShape = x.shape.map((d, i) => (axes.has(i) ? 1 : d));
      const [map] = broadcastMap(x.shape, [outShape]) as [Int32Array];
      const acc = new Float64Array(size(outShape));
      for (let k = 0; k < x.data.length; k++) acc[map[k] as number] = (acc[map[k] as number] as number) + (x.data[k] as number);
      const count = x.data.length / Math.max(1, acc.length);
      const data = Float32Array.from(acc, (v) => (op.op === 'MEAN' ? v / count : v));
      return { shape: keep ? outShape : x.shape.filter((_, i) => !axes.has(i)), data };
    }
    case 'RESHAPE': {
      const target = Array.from((ins[1] as Val).data);
      const known = size(target.filter((d) => d !== -1));
      return { shape: target.map((d) => (d === -1 ? x.data.length / known : d)), data: x.data };
    }
    case 'TRANSPOSE': {
      const perm = Array.from((ins[1] as Val).data);
      const shape = perm.map((p) => x.shape[p] as number);
      // Output axis d walks input axis perm[d]: its stride in the input.
      const strides = perm.map((p) => size(x.shape.slice(p + 1)));
      const out = new Float32Array(size(shape));
      const idx = new Array<number>(shape.length).fill(0);
      for (let k = 0; k < out.length; k++) {
        let off = 0;
        for (let d = 0; d < shape.length; d++) off += (idx[d] as number) * (strides[d] as number);
        out[k] = x.data[off] as number;
        for (let d = shape.length - 1; d >= 0; d--) {
          idx[d] = (idx[d] as number) + 1;
          if ((idx[d] as number) < (shape[d] as number)) break;
          idx[d] = 0;
        }
      }
      return { shape, data: out };
    }
    case 'CONCATENATION': {
      const axis = op.options?.kind === 'concat' ? op.options.axis : 0;
      const shape = [...x.shape];
      shape[axis] = ins.reduce((a, v) => a + (v.shape[axis] as number), 0);
      const outer = size(shape.slice(0, axis));
      const out = new Float32Array(size(shape));
      let o = 0;
      for (let i = 0; i < outer; i++) {
        for (const v of ins) {
          const chunk = size(v.shape.slice(axis));
          out.set(v.data.subarray(i * chunk, (i + 1) * chunk), o);
          o += chunk;
        }
      }
      return { shape, data: out };
    }
    default:
      throw new DfpError('INTERNAL', `the reference evaluator has no kernel for ${op.op}`);
  }
}

/** Runs the model on named float32 inputs; outputs are named as the model's output tensors. */
export function evalTflite(m: TfModel, feeds: Record<string, { shape: number[]; data: Float32Array }>): NamedArray[] {
  const vals = new Map<number, Val>();
  m.tensors.forEach((t, i) => {
    if (t.data) vals.set(i, constVal(t));
  });
  for (const i of m.inputs) {
    const t = m.tensors[i] as TfTensor;
    const f = feeds[t.name];
    if (!f) throw new DfpError('USAGE', `no value for model input '${t.name}'`);
    vals.set(i, f);
  }
  for (const op of m.ops) {
    // -1 marks an omitted optional input (FULLY_CONNECTED without bias).
    const ins = op.inputs.filter((i) => i >= 0).map((i) => vals.get(i) as Val);
    vals.set(op.outputs[0] as number, step(op, ins));
  }
  return m.outputs.map((i) => {
    const v = vals.get(i) as Val;
    return { name: (m.tensors[i] as TfTensor).name, shape: v.shape, data: v.data instanceof Float32Array ? v.data : Float32Array.from(v.data) };
  });
}
