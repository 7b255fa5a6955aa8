// Reads an ONNX inference graph (via the existing proto decoder) into typed nodes, attributes and constant tensors for the exporters.
import { DfpError } from '../../errors.ts';
import { decodeModel } from '../graph/onnx-proto.ts';

export type OnnxDtype = 'float32' | 'float64' | 'int32' | 'int64' | 'bool';
/** A dimension: a number, or a symbolic name (the batch, usually 'N'). */
export type OnnxDim = number | string;
export type AttrVal = number | number[] | string | string[];

export interface OnnxValue { name: string; dtype: OnnxDtype; shape: OnnxDim[] }
export interface OnnxNode { opType: string; name: string; inputs: string[]; outputs: string[]; attrs: Record<string, AttrVal>; domain?: string }

/** A numeric list attribute, or undefined when absent or of another type. */
export function attrNumbers(v: AttrVal | undefined): number[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
}

/** Operator sets whose nodes dfp's exporters read: ONNX's own and the traditional-ML one (tree ensembles). */
const DOMAINS = new Set(['', 'ai.onnx', 'ai.onnx.ml']);
export interface OnnxConst { name: string; dtype: OnnxDtype; dims: number[]; values: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array }
export interface OnnxGraph {
  opset: number;
  irVersion: number;
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  nodes: OnnxNode[];
  consts: Map<string, OnnxConst>;
}

const DTYPES: Record<number, OnnxDtype> = { 1: 'float32', 6: 'int32', 7: 'int64', 9: 'bool', 11: 'float64' };
/** AttributeProto.AttributeType codes used by dfp graphs. */
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

interface RawAttr { name?: string; type?: number; f?: number; i?: number; s?: number[]; floats?: number[]; ints?: number[]; strings?: number[][] }
interface RawNode { input?: string[]; output?: string[]; name?: string; op_type?: string; domain?: string; attribute?: RawAttr[] }
interface RawTensor { dims?: number[]; data_type?: number; name?: string; raw_data?: number[] }
interface RawValue { name?: string; type?: { tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: number; dim_param?: string }[] } } } }
interface RawModel {
  ir_version?: number;
  opset_import?: { domain?: string; version?: number }[];
  graph?: { node?: RawNode[]; initializer?: RawTensor[]; input?: RawValue[]; output?: RawValue[] };
}

function dtypeOf(code: number | undefined, what: string): OnnxDtype {
  const d = code === undefined ? undefined : DTYPES[code];
  if (!d) throw new DfpError('INPUT_INVALID', `${what} has ONNX element type ${code ?? 'unset'}, which dfp's exporters do not handle (float32, float64, int32, int64, bool)`);
  return d;
}

function attrValue(a: RawAttr): AttrVal {
  switch (a.type) {
    case ATTR.FLOAT: return a.f ?? 0;
    case ATTR.INT: return a.i ?? 0;
    case ATTR.STRING: return new TextDecoder().decode(Uint8Array.from(a.s ?? []));
    case ATTR.FLOATS: return a.floats ?? [];
    case ATTR.INTS: return a.ints ?? [];
    case ATTR.STRINGS: return (a.strings ?? []).map((b) => new TextDecoder().decode(Uint8Array.from(b)));
    default: throw new DfpError('INPUT_INVALID', `attribute '${a.name}' has type ${a.type}, which dfp's exporters do not read`);
  }
}

function constOf(t: RawTensor): OnnxConst {
  const name = t.name ?? '';
  const dtype = dtypeOf(t.data_type, `initializer '${name}'`);
  const dims = (t.dims ?? []).map(Number);
  const n = dims.reduce((a, b) => a * b, 1);
  const raw = Uint8Array.from(t.raw_data ?? []);
  const width = { float32: 4, float64: 8, int32: 4, int64: 8, bool: 1 }[dtype];
  // dfp's encoder always writes raw_data; typed *_data fields are outside the proto subset and would decode as empty.
  if (raw.length !== n * width) throw new DfpError('INPUT_INVALID', `initializer '${name}' has ${raw.length} bytes of raw_data, expected ${n * width}; re-save it with raw_data`);
  const buf = raw.buffer;
  const values =
    dtype === 'float32' ? new Float32Array(buf) : dtype === 'float64' ? new Float64Array(buf) : dtype === 'int32' ? new Int32Array(buf) : dtype === 'int64' ? new BigInt64Array(buf) : raw;
  return { name, dtype, dims, values };
}

function valueOf(v: RawValue): OnnxValue {
  const name = v.name ?? '';
  const tt = v.type?.tensor_type;
  return {
    name,
    dtype: dtypeOf(tt?.elem_type, `graph value '${name}'`),
    shape: (tt?.shape?.dim ?? []).map((d) => (d.dim_value !== undefined ? Number(d.dim_value) : (d.dim_param ?? '?'))),
  };
}

/** Decodes ModelProto bytes; fails with an actionable message when the bytes are not an ONNX model. */
export function readOnnxGraph(bytes: Uint8Array): OnnxGraph {
  let m: RawModel;
  try {
    m = decodeModel(bytes) as RawModel;
  } catch (e) {
    throw new DfpError('INPUT_INVALID', `not an ONNX model (${e instanceof Error ? e.message : String(e)}); pass the model.onnx that dfp train logged`);
  }
  const g = m.graph;
  if (!g || !g.node) throw new DfpError('INPUT_INVALID', 'the ONNX model has no graph or no nodes; pass an inference graph');
  const opset = m.opset_import?.find((o) => !o.domain)?.version;
  if (opset === undefined) throw new DfpError('INPUT_INVALID', 'the ONNX model imports no default-domain opset');
  const consts = new Map<string, OnnxConst>();
  for (const t of g.initializer ?? []) consts.set(t.name ?? '', constOf(t));
  const nodes = g.node.map((n, i): OnnxNode => {
    if (!DOMAINS.has(n.domain ?? '')) throw new DfpError('INPUT_INVALID', `node '${n.name ?? i}' uses op domain '${n.domain}'; only ONNX's own and ai.onnx.ml can be exported`);
    const attrs: Record<string, AttrVal> = {};
    for (const a of n.attribute ?? []) attrs[a.name ?? ''] = attrValue(a);
    return { opType: n.op_type ?? '', name: n.name || `${n.op_type}_${i}`, inputs: n.input ?? [], outputs: n.output ?? [], attrs, ...(n.domain ? { domain: n.domain } : {}) };
  });
  // Initializers listed as graph inputs (older exporters do that) are constants, not runtime inputs.
  const inputs = (g.input ?? []).map(valueOf).filter((v) => !consts.has(v.name));
  return { opset: Number(opset), irVersion: Number(m.ir_version ?? 0), inputs, outputs: (g.output ?? []).map(valueOf), nodes, consts };
}

/** Numeric values of a constant as plain numbers (int64 narrowed; used for axes, shapes and small parameters). */
export function constNumbers(c: OnnxConst): number[] {
  return Array.from(c.values as ArrayLike<number | bigint>, (v) => Number(v));
}
