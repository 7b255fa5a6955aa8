// What an explainer is: the features behind a score, by the method the model's metadata picks (explainerFor).
// A new model family brings its own method (TreeSHAP for trees) here, and no caller changes.

/** One feature's share in a score; what `value` means depends on the method. */
export interface Attribution {
  name: string;
  value: number;
}

/**
 * reconstruction_z: z-score of the feature's reconstruction error against benign apps (the autoencoder);
 * occlusion: how much the score drops when the feature is reset to its training fill value (models without
 * per-feature outputs: the MLP classifier); tree_shap: the feature's exact Shapley share of the calibrated
 * log-odds (tree ensembles).
 */
export type ExplanationMethod = 'reconstruction_z' | 'occlusion' | 'tree_shap';

/** What one run of a dfp inference graph returns for a batch. */
export interface ScoreBatch {
  /** scores[i] for row i. */
  scores: Float32Array;
  /** Row-major [rows, N_FEATURES] per-feature error (autoencoder); absent for classifiers. */
  featureErrors?: Float32Array;
}

/** One row of a scored batch: its score, and the batch's per-feature errors with the row's offset into them. */
export interface RowOutputs {
  score: number;
  errors: Float32Array | undefined;
  offset: number;
  /** The row's raw features (its own copy), given when the explainer says it needs them (`needsInput`). */
  input?: Float32Array;
}

/** Scores more raw rows (row-major, FEATURE_COLUMNS wide) with the model being explained. */
export type Rescore = (x: Float32Array, rows: number) => Promise<Float32Array>;

export interface Explainer {
  readonly method: ExplanationMethod;
  /** The explanation is computed from the raw row (RowOutputs.input) rather than from the model's outputs. */
  readonly needsInput?: boolean;
  /**
   * The top features of a row from the model's outputs alone, largest first; undefined when the method has to run the
   * model again. Cheap: every API answer calls it.
   */
  fromOutputs(row: RowOutputs): Attribution[] | undefined;
  /**
   * The same for the first `rows` rows of a batch, each as a CSV field holding the JSON array [{name, z}]; `x` is the
   * batch's raw rows (row-major). Undefined as above.
   */
  csvFields(batch: ScoreBatch, rows: number, x: Float32Array): string[] | undefined;
  /**
   * The top features of one app (`x`, its raw feature row), running the model again where the method needs it.
   * Reads `row` before its first await, so batch views may be reused afterwards.
   */
  explain(x: Float32Array, row: RowOutputs, rescore: Rescore): Promise<Attribution[]>;
}
