// The in-memory TFLite model dfp builds before writing it as a flatbuffer: tensors (with constant data), ops, graph inputs and outputs.
import type { TfActivation, TfOpName, TfType } from './schema.ts';

export interface TfTensor {
  name: string;
  type: TfType;
  /** Shape signature: -1 marks the dynamic (batch) dimension. */
  shape: number[];
  /** Little-endian bytes of a constant tensor. */
  data?: Uint8Array;
}

export type TfOptions =
  | { kind: 'fc'; activation: TfActivation }
  | { kind: 'add' | 'sub' | 'mul' | 'div'; activation: TfActivation }
  | { kind: 'reducer'; keepDims: boolean }
  | { kind: 'reshape'; newShape: number[] }
  | { kind: 'concat'; axis: number };

export interface TfOp {
  op: TfOpName;
  /** Tensor indices; -1 is an omitted optional input (FULLY_CONNECTED without bias). */
  inputs: number[];
  outputs: number[];
  options?: TfOptions;
}

export interface TfModel {
  tensors: TfTensor[];
  ops: TfOp[];
  inputs: number[];
  outputs: number[];
  description: string;
}
