// Public surface of the pure scoring core: feature layout, request validation, model source and scorer contracts, result shaping.
export { FEATURE_INDEX, N_FEATURES, N_REQUIRED, REQUIRED_MASK } from './features.ts';
export { ScoringInputError } from './errors.ts';
export { type AppRequest, FeatureValidator, MAX_FEATURE_VALUE, type Passthrough, checkSha256 } from './validate.ts';
export { type ScoringKind, type ScoringMetadata, parseScoringMetadata } from './metadata.ts';
export type { LoadedModel, ModelListing, ModelRef, ModelSource } from './model-source.ts';
export type { ScoreBatch, Scorer } from './scorer.ts';
export { type FingerprintResult, type ScoreResult, type TopFeature, shapeFingerprint, shapeResult, topFeatures } from './result.ts';
