// Public surface of the tracking adapters: open a backend, log and fetch models, plus the core flows.
export { openTracking, trackingUri, embeddedDir, type OpenTrackingOptions } from './open.ts';
export { logModel, fetchModel, signatureOf, type FetchedModel, type LoggedModel, type LogModelOptions, type ModelFiles } from './log-model.ts';
export { EmbeddedStore } from './embedded/store.ts';
export { MlflowStore } from './mlflow/store.ts';
export { MirroredTracking, LOCAL_ID_TAG } from './outbox.ts';
export { OWNER_TAGS, ownerState, ownerTags } from './owner.ts';
export { END_REASON_TAG, failStaleRuns, failStaleRunsOf, staleNote, type StaleRun } from './stale.ts';
export { championChallenger, checkAlias, checkModelName, lakeDatasetInput, promote, registerModel, resolveModelUri, parseModelUri, tensorSignature } from '../core/tracking/index.ts';
export type { ChampionDecision, ChampionOptions, DatasetInput, ModelSignature, ModelVersion, Run, RunInfo, Tracking } from '../core/tracking/index.ts';
