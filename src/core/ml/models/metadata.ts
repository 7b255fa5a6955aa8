// The preprocessing/model metadata JSON saved beside every exported ONNX model (what a scorer needs besides the graph).
import { DfpError } from '../../errors.ts';
import { FEATURE_COLUMNS } from '../../kronodroid/schema.ts';
import type { ErrorStats } from './explain.ts';
import { FEATURE_LIST_HASH, assertNoLeakage } from './features.ts';
import type { PreprocessSpec } from './preprocess.ts';

export type ModelKind = 'autoencoder' | 'classifier';

export const METADATA_FILE = 'preprocessing.json';
export const ONNX_FILE = 'model.onnx';
export const METADATA_VERSION = 1;

export interface ModelMetadata {
  format_version: number;
  kind: ModelKind;
  /** Input contract of the ONNX graph: float32 [N, n_features] raw values in `preprocess.columns` order. */
  input: { name: 'x'; n_features: number; feature_list_hash: string };
  /** `score` [N] always; `feature_error` [N, F] for the autoencoder. */
  outputs: string[];
  /** Scores strictly above the threshold are flagged as malware. */
  threshold: number;
  target_fpr: number;
  /** Higher score = more likely malware (both models). */
  score: 'reconstruction_loss' | 'probability';
  preprocess: PreprocessSpec;
  /** Autoencoder only: benign validation error stats for z-scores, and how many top features explain a score. */
  error_stats?: ErrorStats;
  top_k?: number;
  /** Where the model came from: run, lake commit, config. */
  run_id: string;
  data: { commit: string; table: string; digest: string; ref: string };
  split: { kind: string; train_months: string[]; test_months: string[]; validation_fraction: number };
  /** sha256 of apps used for training and calibration; evaluation leaves them out unless asked. */
  seen_sha256: string[];
  created_at: string;
}

/** Checks a loaded metadata file against what this dfp version can score; errors say what to do. */
export function checkMetadata(m: ModelMetadata, where: string): void {
  if (m.format_version !== METADATA_VERSION) throw new DfpError('INPUT_INVALID', `${where}: metadata format ${m.format_version} is not ${METADATA_VERSION}; retrain the model with this dfp version`);
  if (m.input.feature_list_hash !== FEATURE_LIST_HASH || m.input.n_features !== FEATURE_COLUMNS.length) {
    throw new DfpError('SCHEMA_MISMATCH', `${where}: the model was trained on another feature list (hash ${m.input.feature_list_hash.slice(0, 12)}); retrain it`);
  }
  assertNoLeakage(m.preprocess.columns);
}
