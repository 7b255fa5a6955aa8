// Serialises a graph description to ONNX ModelProto bytes with protobufjs and a subset of onnx.proto written from the spec.
import protobuf from 'protobufjs';

// Only the messages and fields dfp emits. Field numbers follow onnx.proto (IR 8); proto2 so zero values stay explicit.
const ONNX_SUBSET = `
syntax = "proto2";
package onnx;
message AttributeProto {
  optional string name = 1;
  optional int32 type = 20;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
}
message ValueInfoProto { optional string name = 1; optional TypeProto type = 2; }
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  optional string domain = 7;
  repeated AttributeProto attribute = 5;
}
message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional GraphProto graph = 7;
}
message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  optional string name = 8;
  optional bytes raw_data = 9;
}
message TensorShapeProto {
  message Dimension { oneof value { int64 dim_value = 1; string dim_param = 2; } }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { optional int32 elem_type = 1; optional TensorShapeProto shape = 2; }
  oneof value { Tensor tensor_type = 1; }
}
message OperatorSetIdProto { optional string domain = 1; optional int64 version = 2; }
`;

/** ONNX TensorProto.DataType codes for the element types dfp uses. */
export const ONNX_DTYPE = { float32: 1, int64: 7, bool: 9, float64: 11 } as const;
export type DType = keyof typeof ONNX_DTYPE;

/** AttributeProto.AttributeType codes. */
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export type AttrValue = number | string | number[] | { int: number } | { ints: number[] } | { strings: string[] };
export interface NodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrValue>;
  name?: string;
  /** Operator set of the node: '' (default) is ONNX's own, 'ai.onnx.ml' the traditional-ML operators. */
  domain?: string;
}
export interface ValueSpec { name: string; dtype: DType; shape: (number | string)[] }
export interface InitializerSpec { name: string; dtype: DType; dims: number[]; data: Uint8Array }
export interface ModelSpec {
  nodes: NodeSpec[];
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  initializers: InitializerSpec[];
  opset: number;
  /** Operator sets besides ONNX's own that nodes use, e.g. { domain: 'ai.onnx.ml', version: 3 }. */
  extraOpsets?: { domain: string; version: number }[];
  irVersion: number;
  graphName: string;
}

let modelType: protobuf.Type | undefined;
function getModelType(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_SUBSET, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelType;
}

// Plain numbers are floats unless tagged: ONNX attributes are typed and a Gemm "alpha" differs from an "axis".
function encodeAttr(name: string, v: AttrValue): Record<string, unknown> {
  if (typeof v === 'number') return { name, type: ATTR.FLOAT, f: v };
  if (typeof v === 'string') return { name, type: ATTR.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: ATTR.FLOATS, floats: v };
  if ('int' in v) return { name, type: ATTR.INT, i: v.int };
  if ('strings' in v) return { name, type: ATTR.STRINGS, strings: v.strings.map((x) => new TextEncoder().encode(x)) };
  return { name, type: ATTR.INTS, ints: v.ints };
}

function valueInfo(v: ValueSpec): Record<string, unknown> {
  return {
    name: v.name,
    type: {
      tensor_type: {
        elem_type: ONNX_DTYPE[v.dtype],
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

/** Encodes a model description as ONNX ModelProto bytes. */
export function encodeModel(m: ModelSpec): Uint8Array {
  const type = getModelType();
  const payload = {
    ir_version: m.irVersion,
    producer_name: 'dfp',
    producer_version: '0.1',
    opset_import: [{ domain: '', version: m.opset }, ...(m.extraOpsets ?? [])],
    graph: {
      name: m.graphName,
      node: m.nodes.map((n, i) => ({
        input: n.inputs,
        output: n.outputs,
        name: n.name ?? `${n.opType}_${i}`,
        op_type: n.opType,
        ...(n.domain ? { domain: n.domain } : {}),
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => encodeAttr(k, v)),
      })),
      initializer: m.initializers.map((t) => ({ name: t.name, data_type: ONNX_DTYPE[t.dtype], dims: t.dims, raw_data: t.data })),
      input: m.inputs.map(valueInfo),
      output: m.outputs.map(valueInfo),
    },
  };
  const err = type.verify(payload);
  if (err) throw new Error(`invalid ONNX model description: ${err}`);
  return type.encode(type.fromObject(payload)).finish();
}

/** Decodes ModelProto bytes back to a plain object (tests and debugging). */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  const type = getModelType();
  return type.toObject(type.decode(bytes), { longs: Number, bytes: Array, defaults: false });
}
