// Public surface of the model runtime: read a model directory, score with the explainer its metadata picks, hold the
// served version of a registered model (swapped when its alias moves), and where models come from.
export { type BatchScorer, type BatcherOptions, MicroBatcher, type RowResult, type Schedule } from './batcher.ts';
export { type HolderOptions, ModelHolder, type ReloadOutcome, type Served } from './holder.ts';
export { isModelDir, modelPaths, readModelDir, writeModelDir } from './model-dir.ts';
export { openModel } from './open.ts';
export { Scorer, type ScorerOptions } from './scorer.ts';
export { ModelSession } from './session.ts';
export { DirectoryModelSource } from './sources/directory.ts';
export { RegistryModelSource } from './sources/registry.ts';
