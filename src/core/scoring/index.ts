// Public surface of the pure scoring core: feature layout, request validation, model source contract, result shaping.
export { FEATURE_INDEX, N_FEATURES, N_REQUIRED, REQUIRED_MASK } from './features.ts';
export { ScoringInputError } from './errors.ts';
export { type AppRequest, FeatureValidator, MAX_FEATURE_VALUE, type Passthrough, checkSha256 } from './validate.ts';
export type { LoadedModel, ModelListing, ModelRef, ModelSource } from './model-source.ts';
export { type FingerprintResult, type ScoreResult, type ShapedModel, type TopFeature, shapeFingerprint, shapeResult, topFeatures } from './result.ts';
