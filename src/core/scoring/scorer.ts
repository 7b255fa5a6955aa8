// The Scorer interface: one batched forward pass of a loaded model over raw feature rows.
import type { ScoringMetadata } from './metadata.ts';
import type { ModelRef } from './model-source.ts';

export interface ScoreBatch {
  /** scores[i] for row i. */
  scores: Float32Array;
  /** Row-major [rows, N_FEATURES] per-feature error (autoencoder); absent for classifiers. */
  featureErrors?: Float32Array;
}

export interface Scorer {
  readonly ref: ModelRef;
  readonly metadata: ScoringMetadata;
  /**
   * Scores `rows` rows of x (row-major, N_FEATURES wide, FEATURE_COLUMNS order, raw values). x may be longer than
   * rows × N_FEATURES (a reused buffer); only the first rows are read. The caller keeps x unchanged until it settles.
   */
  score(x: Float32Array, rows: number): Promise<ScoreBatch>;
  /** Releases the runtime session; called only after every score() has settled. */
  close(): Promise<void>;
}
