// Reads a .tflite flatbuffer written by dfp back into the TFLite IR (the CLI's parity check runs the bytes as written).
import { ByteBuffer } from 'flatbuffers';
import { DfpError } from '../../core/errors.ts';
import type { TfModel, TfOp, TfOptions, TfTensor } from './ir.ts';
import { type TfActivation, Activation, BuiltinOp, FILE_IDENTIFIER, OptionsType, Slot, type TfOpName, TensorType, type TfType } from './schema.ts';

const OP_BY_CODE = new Map<number, TfOpName>(Object.entries(BuiltinOp).map(([k, v]) => [v, k as TfOpName]));
const TYPE_BY_CODE = new Map<number, TfType>(Object.entries(TensorType).map(([k, v]) => [v, k as TfType]));
const ACT_BY_CODE = new Map<number, TfActivation>(Object.entries(Activation).map(([k, v]) => [v, k as TfActivation]));

/** A table at `pos` with slot accessors (vtable offset = 4 + 2 * slot). */
class Table {
  constructor(private readonly bb: ByteBuffer, readonly pos: number) {}
  private off(slot: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * slot);
  }
  int(slot: number, def = 0): number {
    const o = this.off(slot);
    return o ? this.bb.readInt32(this.pos + o) : def;
  }
  byte(slot: number, def = 0): number {
    const o = this.off(slot);
    return o ? this.bb.readInt8(this.pos + o) : def;
  }
  str(slot: number): string {
    const o = this.off(slot);
    return o ? (this.bb.__string(this.pos + o) as string) : '';
  }
  table(slot: number): Table | undefined {
    const o = this.off(slot);
    return o ? new Table(this.bb, this.bb.__indirect(this.pos + o)) : undefined;
  }
  tables(slot: number): Table[] {
    const o = this.off(slot);
    if (!o) return [];
    const start = this.bb.__vector(this.pos + o);
    return Array.from({ length: this.bb.__vector_len(this.pos + o) }, (_, i) => new Table(this.bb, this.bb.__indirect(start + 4 * i)));
  }
  ints(slot: number): number[] {
    const o = this.off(slot);
    if (!o) return [];
    const start = this.bb.__vector(this.pos + o);
    return Array.from({ length: this.bb.__vector_len(this.pos + o) }, (_, i) => this.bb.readInt32(start + 4 * i));
  }
  bytes(slot: number): Uint8Array | undefined {
    const o = this.off(slot);
    if (!o) return undefined;
    const start = this.bb.__vector(this.pos + o);
    return this.bb.bytes().slice(start, start + this.bb.__vector_len(this.pos + o));
  }
}

function options(op: TfOpName, t: Table | undefined, type: number): TfOptions | undefined {
  if (!t) return undefined;
  const act = (): TfActivation => ACT_BY_CODE.get(t.byte(0)) ?? 'NONE';
  if (type === OptionsType.FullyConnectedOptions) return { kind: 'fc', activation: act() };
  if (type === OptionsType.AddOptions) return { kind: 'add', activation: act() };
  if (type === OptionsType.SubOptions) return { kind: 'sub', activation: act() };
  if (type === OptionsType.MulOptions) return { kind: 'mul', activation: act() };
  if (type === OptionsType.DivOptions) return { kind: 'div', activation: act() };
  if (type === OptionsType.ReducerOptions) return { kind: 'reducer', keepDims: t.byte(0) !== 0 };
  if (type === OptionsType.ReshapeOptions) return { kind: 'reshape', newShape: t.ints(0) };
  if (type === OptionsType.ConcatenationOptions) return { kind: 'concat', axis: t.int(0) };
  throw new DfpError('INPUT_INVALID', `${op} has builtin options type ${type}, which dfp does not read`);
}

/** Decodes the main subgraph of a TFL3 model. */
export function readTflite(bytes: Uint8Array): TfModel {
  const bb = new ByteBuffer(bytes);
  if (bytes.length < 8 || !bb.__has_identifier(FILE_IDENTIFIER)) throw new DfpError('INPUT_INVALID', `not a TFLite model: file identifier is not ${FILE_IDENTIFIER}`);
  const model = new Table(bb, bb.readInt32(bb.position()) + bb.position());
  const buffers = model.tables(Slot.Model.buffers).map((b) => b.bytes(Slot.Buffer.data));
  const codes = model.tables(Slot.Model.operator_codes).map((c) => {
    const code = Math.max(c.byte(Slot.OperatorCode.deprecated_builtin_code), c.int(Slot.OperatorCode.builtin_code));
    const name = OP_BY_CODE.get(code);
    if (!name) throw new DfpError('INPUT_INVALID', `TFLite builtin op ${code} is outside what dfp writes`);
    return name;
  });
  const sub = model.tables(Slot.Model.subgraphs)[0];
  if (!sub) throw new DfpError('INPUT_INVALID', 'TFLite model has no subgraph');
  const tensors = sub.tables(Slot.SubGraph.tensors).map((t): TfTensor => {
    const sig = t.ints(Slot.Tensor.shape_signature);
    const data = buffers[t.int(Slot.Tensor.buffer)];
    const type = TYPE_BY_CODE.get(t.byte(Slot.Tensor.type));
    if (!type) throw new DfpError('INPUT_INVALID', `tensor '${t.str(Slot.Tensor.name)}' has a type dfp does not read`);
    return { name: t.str(Slot.Tensor.name), type, shape: sig.length ? sig : t.ints(Slot.Tensor.shape), ...(data && data.length ? { data } : {}) };
  });
  const ops = sub.tables(Slot.SubGraph.operators).map((o): TfOp => {
    const op = codes[o.int(Slot.Operator.opcode_index)] as TfOpName;
    const opts = options(op, o.table(Slot.Operator.builtin_options), o.byte(Slot.Operator.builtin_options_type));
    return { op, inputs: o.ints(Slot.Operator.inputs), outputs: o.ints(Slot.Operator.outputs), ...(opts ? { options: opts } : {}) };
  });
  return { tensors, ops, inputs: sub.ints(Slot.SubGraph.inputs), outputs: sub.ints(Slot.SubGraph.outputs), description: model.str(Slot.Model.description) };
}
