// Public surface of the pure ML core: graph builder + autodiff, Adam, MLP graphs, ONNX encoding, seeded init.
export { type FloatType, type GemmOpts, Graph, IR_VERSION, OPSET, type T } from './graph/graph.ts';
export { ADAM_DEFAULTS, type AdamConfig, type AdamScalars, adamScalars, adamUpdate } from './graph/adam.ts';
export {
  type Activation,
  type BuiltGraph,
  type LossKind,
  type MlpSpec,
  type ParamInfo,
  type TrainGraphOptions,
  buildInference,
  buildTrainStep,
  dropoutLayers,
  mlpForward,
  mlpParams,
  names,
} from './graph/mlp.ts';
export { type DType, type ModelSpec, decodeModel, encodeModel } from './graph/onnx-proto.ts';
export { initParams } from './init.ts';
export { mulberry32, normal } from './prng.ts';
