// Public surface of the model definitions: features, preprocessing, both models' graphs, calibration, the metadata contract (explanations: ../explain).
export { type FeatureKind, FEATURE_LIST_HASH, activeMask, assertNoLeakage, featureKind, featureListHash } from './features.ts';
export { type PreprocessSpec, fitPreprocess, preprocess, preprocessGraph } from './preprocess.ts';
export {
  type AutoencoderArch,
  type GroupWeights,
  autoencoderMlp,
  autoencoderReference,
  buildAutoencoderEval,
  buildAutoencoderInference,
  buildAutoencoderTrainStep,
  featureWeights,
} from './autoencoder.ts';
export {
  type ClassifierArch,
  type Platt,
  buildClassifierInference,
  buildClassifierLogits,
  buildClassifierTrainStep,
  classifierMlp,
  classifierReference,
  meanBce,
} from './classifier.ts';
export { fitPlatt } from './calibrate.ts';
export { type ModelKind, type ModelMetadata, DEFAULT_TOP_K, METADATA_VERSION, MODEL_FILES, metadataSummary, parseModelMetadata } from './metadata.ts';
export { type TrainStepGraph, mlpForwardRef } from './train-graph.ts';
