// Public surface of the tracking core: the contract, model URIs, MLmodel files and registry flows.
export * from './types.ts';
export { type ModelUri, type ResolvedModel, formatModelUri, newestInStage, parseModelUri, relativeToRun, resolveModelUri, resolveModelVersion } from './model-uri.ts';
export { type MlModelOptions, type ModelSignature, type TensorDtype, type TensorSpec, MODEL_ENV_FILES, mlModelYaml, tensorSignature } from './mlmodel.ts';
export { type ChampionDecision, type ChampionOptions, championChallenger, checkAlias, checkModelName, decide, promote, registerModel } from './champion.ts';
export { LOG_BATCH_LIMITS, type KV, type WireBatch, chunkBatch, toKV } from './batch.ts';
export { lakeDatasetInput } from './lake-input.ts';
