// Serialises the TFLite IR as a TFL3 flatbuffer with the flatbuffers Builder (tables hand-written from schema.fbs).
import { Builder, type Offset } from 'flatbuffers';
import type { TfModel, TfOp, TfOptions, TfTensor } from './ir.ts';
import { Activation, BuiltinOp, FILE_IDENTIFIER, OptionsType, SCHEMA_VERSION, Slot, TensorType, type TfOpName } from './schema.ts';

function int32Vector(b: Builder, v: readonly number[]): Offset {
  b.startVector(4, v.length, 4);
  for (let i = v.length - 1; i >= 0; i--) b.addInt32(v[i] as number);
  return b.endVector();
}

function offsetVector(b: Builder, v: readonly Offset[]): Offset {
  b.startVector(4, v.length, 4);
  for (let i = v.length - 1; i >= 0; i--) b.addOffset(v[i] as Offset);
  return b.endVector();
}

/** Buffer.data is (force_align: 16) so runtimes can map constant data in place. */
function bufferTable(b: Builder, data: Uint8Array | undefined): Offset {
  let vec = 0;
  if (data && data.length > 0) {
    b.startVector(1, data.length, 16);
    for (let i = data.length - 1; i >= 0; i--) b.addInt8(data[i] as number);
    vec = b.endVector();
  }
  b.startObject(Slot.Buffer.count);
  if (vec) b.addFieldOffset(Slot.Buffer.data, vec, 0);
  return b.endObject();
}

function tensorTable(b: Builder, t: TfTensor, buffer: number): Offset {
  const name = b.createString(t.name);
  const dynamic = t.shape.includes(-1);
  // `shape` holds a runnable size (1 for the batch); `shape_signature` keeps -1 so the batch can be resized.
  const shape = int32Vector(b, t.shape.map((d) => (d === -1 ? 1 : d)));
  const signature = dynamic ? int32Vector(b, t.shape) : 0;
  b.startObject(Slot.Tensor.count);
  b.addFieldOffset(Slot.Tensor.shape, shape, 0);
  b.addFieldInt8(Slot.Tensor.type, TensorType[t.type], -1);
  b.addFieldInt32(Slot.Tensor.buffer, buffer, 0);
  b.addFieldOffset(Slot.Tensor.name, name, 0);
  if (signature) b.addFieldOffset(Slot.Tensor.shape_signature, signature, 0);
  b.addFieldInt8(Slot.Tensor.has_rank, 1, 0);
  return b.endObject();
}

/** The option table of an op and its BuiltinOptions union id. */
function optionsTable(b: Builder, o: TfOptions): [number, Offset] {
  switch (o.kind) {
    case 'fc':
      b.startObject(5);
      b.addFieldInt8(0, Activation[o.activation], 0); // fused_activation_function; weights_format DEFAULT, keep_num_dims false
      return [OptionsType.FullyConnectedOptions, b.endObject()];
    case 'add':
    case 'sub': {
      b.startObject(2);
      b.addFieldInt8(0, Activation[o.activation], 0);
      return [o.kind === 'add' ? OptionsType.AddOptions : OptionsType.SubOptions, b.endObject()];
    }
    case 'mul':
    case 'div':
      b.startObject(1);
      b.addFieldInt8(0, Activation[o.activation], 0);
      return [o.kind === 'mul' ? OptionsType.MulOptions : OptionsType.DivOptions, b.endObject()];
    case 'reducer':
      b.startObject(1);
      b.addFieldInt8(0, o.keepDims ? 1 : 0, 0);
      return [OptionsType.ReducerOptions, b.endObject()];
    case 'reshape': {
      const shape = int32Vector(b, o.newShape);
      b.startObject(1);
      b.addFieldOffset(0, shape, 0);
      return [OptionsType.ReshapeOptions, b.endObject()];
    }
    case 'concat':
      b.startObject(2);
      b.addFieldInt32(0, o.axis, 0);
      return [OptionsType.ConcatenationOptions, b.endObject()];
  }
}

function operatorTable(b: Builder, op: TfOp, opcodeIndex: number): Offset {
  const inputs = int32Vector(b, op.inputs);
  const outputs = int32Vector(b, op.outputs);
  const opts = op.options ? optionsTable(b, op.options) : undefined;
  b.startObject(Slot.Operator.count);
  b.addFieldInt32(Slot.Operator.opcode_index, opcodeIndex, 0);
  b.addFieldOffset(Slot.Operator.inputs, inputs, 0);
  b.addFieldOffset(Slot.Operator.outputs, outputs, 0);
  if (opts) {
    b.addFieldInt8(Slot.Operator.builtin_options_type, opts[0], 0);
    b.addFieldOffset(Slot.Operator.builtin_options, opts[1], 0);
  }
  return b.endObject();
}

function operatorCodeTable(b: Builder, name: TfOpName): Offset {
  const code = BuiltinOp[name];
  b.startObject(Slot.OperatorCode.count);
  // Codes below 127 also go in the legacy byte field, which older runtimes read.
  b.addFieldInt8(Slot.OperatorCode.deprecated_builtin_code, Math.min(code, 127), 0);
  b.addFieldInt32(Slot.OperatorCode.version, 1, 1);
  b.addFieldInt32(Slot.OperatorCode.builtin_code, code, 0);
  return b.endObject();
}

function tensorMaps(b: Builder, m: TfModel, idx: readonly number[]): Offset {
  const maps = idx.map((i) => {
    const name = b.createString((m.tensors[i] as TfTensor).name);
    b.startObject(Slot.TensorMap.count);
    b.addFieldOffset(Slot.TensorMap.name, name, 0);
    b.addFieldInt32(Slot.TensorMap.tensor_index, i, 0);
    return b.endObject();
  });
  return offsetVector(b, maps);
}

/** Encodes the model; buffer 0 is the empty sentinel, each constant tensor gets its own buffer. */
export function writeTflite(m: TfModel): Uint8Array {
  const bytes = m.tensors.reduce((a, t) => a + (t.data?.length ?? 0), 0);
  const b = new Builder(bytes + 4096 + m.tensors.length * 128);
  const buffers: Offset[] = [bufferTable(b, undefined)];
  const tensorBuffer = m.tensors.map((t) => {
    if (!t.data) return 0;
    buffers.push(bufferTable(b, t.data));
    return buffers.length - 1;
  });
  const opNames = [...new Set(m.ops.map((o) => o.op))];
  const tensors = m.tensors.map((t, i) => tensorTable(b, t, tensorBuffer[i] as number));
  const operators = m.ops.map((o) => operatorTable(b, o, opNames.indexOf(o.op)));
  const subName = b.createString('main');
  const tensorsVec = offsetVector(b, tensors);
  const inputsVec = int32Vector(b, m.inputs);
  const outputsVec = int32Vector(b, m.outputs);
  const opsVec = offsetVector(b, operators);
  b.startObject(Slot.SubGraph.count);
  b.addFieldOffset(Slot.SubGraph.tensors, tensorsVec, 0);
  b.addFieldOffset(Slot.SubGraph.inputs, inputsVec, 0);
  b.addFieldOffset(Slot.SubGraph.outputs, outputsVec, 0);
  b.addFieldOffset(Slot.SubGraph.operators, opsVec, 0);
  b.addFieldOffset(Slot.SubGraph.name, subName, 0);
  const subgraph = b.endObject();

  // A serving_default signature lets LiteRT's signature runner address inputs and outputs by name.
  const sigIn = tensorMaps(b, m, m.inputs);
  const sigOut = tensorMaps(b, m, m.outputs);
  const sigKey = b.createString('serving_default');
  b.startObject(Slot.SignatureDef.count);
  b.addFieldOffset(Slot.SignatureDef.inputs, sigIn, 0);
  b.addFieldOffset(Slot.SignatureDef.outputs, sigOut, 0);
  b.addFieldOffset(Slot.SignatureDef.signature_key, sigKey, 0);
  b.addFieldInt32(Slot.SignatureDef.subgraph_index, 0, 0);
  const signature = b.endObject();

  const codes = offsetVector(b, opNames.map((n) => operatorCodeTable(b, n)));
  const subgraphs = offsetVector(b, [subgraph]);
  const buffersVec = offsetVector(b, buffers);
  const signatures = offsetVector(b, [signature]);
  const description = b.createString(m.description);
  b.startObject(Slot.Model.count);
  b.addFieldInt32(Slot.Model.version, SCHEMA_VERSION, 0);
  b.addFieldOffset(Slot.Model.operator_codes, codes, 0);
  b.addFieldOffset(Slot.Model.subgraphs, subgraphs, 0);
  b.addFieldOffset(Slot.Model.description, description, 0);
  b.addFieldOffset(Slot.Model.buffers, buffersVec, 0);
  b.addFieldOffset(Slot.Model.signature_defs, signatures, 0);
  b.finish(b.endObject(), FILE_IDENTIFIER);
  return b.asUint8Array();
}
