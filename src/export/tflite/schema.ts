// The few TFLite schema (schema.fbs, version 3) enums and table slots dfp writes, written by hand from the schema.
/** Model.version: the schema version every current TFLite / LiteRT runtime reads. */
export const SCHEMA_VERSION = 3;
export const FILE_IDENTIFIER = 'TFL3';

/** TensorType (byte). */
export const TensorType = { float32: 0, int32: 2, int64: 4, bool: 6 } as const;
export type TfType = keyof typeof TensorType;

/** BuiltinOperator codes of the ops dfp emits. */
export const BuiltinOp = {
  ADD: 0,
  CONCATENATION: 2,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MUL: 18,
  RELU: 19,
  RESHAPE: 22,
  TANH: 28,
  TRANSPOSE: 39,
  MEAN: 40,
  SUB: 41,
  DIV: 42,
  EXP: 47,
  MAXIMUM: 55,
  MINIMUM: 57,
  LESS: 58,
  NEG: 59,
  GREATER: 61,
  LOG: 73,
  SUM: 74,
  SQRT: 75,
  POW: 78,
  ABS: 101,
  SELECT_V2: 123,
} as const;
export type TfOpName = keyof typeof BuiltinOp;

/** ActivationFunctionType (byte). */
export const Activation = { NONE: 0, RELU: 1, TANH: 4 } as const;
export type TfActivation = keyof typeof Activation;

/** BuiltinOptions union member ids (1-based position in the union) of the option tables dfp writes. */
export const OptionsType = {
  FullyConnectedOptions: 8,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ReshapeOptions: 17,
  MulOptions: 21,
  ReducerOptions: 27,
  SubOptions: 28,
  DivOptions: 29,
} as const;

/** Field slots (declaration order, a union taking two: its _type then its value) of the tables dfp writes. */
export const Slot = {
  Model: { version: 0, operator_codes: 1, subgraphs: 2, description: 3, buffers: 4, signature_defs: 7, count: 8 },
  OperatorCode: { deprecated_builtin_code: 0, version: 2, builtin_code: 3, count: 4 },
  SubGraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4, count: 5 },
  Tensor: { shape: 0, type: 1, buffer: 2, name: 3, shape_signature: 7, has_rank: 8, count: 9 },
  Operator: { opcode_index: 0, inputs: 1, outputs: 2, builtin_options_type: 3, builtin_options: 4, count: 5 },
  Buffer: { data: 0, count: 1 },
  TensorMap: { name: 0, tensor_index: 1, count: 2 },
  SignatureDef: { inputs: 0, outputs: 1, signature_key: 2, subgraph_index: 4, count: 5 },
} as const;
