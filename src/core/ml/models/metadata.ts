// The model contract: the files of a dfp model directory and the metadata JSON beside every ONNX graph. Training
// writes it; every scorer (API, dashboard, `dfp score`, `dfp evaluate`, training's own evaluation) reads it through
// parseModelMetadata, the one parser.
import { DfpError } from '../../errors.ts';
import { FEATURE_COLUMNS } from '../../kronodroid/schema.ts';
import type { ErrorStats } from '../explain/reconstruction-z.ts';
import { ensembleFromJson, type TreeEnsembleJson } from '../trees/ensemble.ts';
import { FEATURE_LIST_HASH, assertNoLeakage, isStaticOnly } from './features.ts';
import type { PreprocessSpec } from './preprocess.ts';

export type ModelKind = 'autoencoder' | 'classifier';
/** The learner behind a classifier: an MLP, a gradient-boosted tree ensemble, or the mean of both calibrated scores. */
export type DetectorKind = 'mlp' | 'trees' | 'blend';
export const DETECTOR_KINDS: readonly DetectorKind[] = ['mlp', 'trees', 'blend'];

/** The files of a model directory, named here only: training writes them, tracking logs them, every reader finds them. */
export const MODEL_FILES = {
  onnx: 'model.onnx',
  metadata: 'preprocessing.json',
  card: 'model_card.md',
  /** A folder of PNG/SVG plots. */
  plots: 'plots',
} as const;

export const METADATA_VERSION = 1;
/** Features an explanation lists when the metadata does not say. */
export const DEFAULT_TOP_K = 5;

/**
 * Training writes every field. A model directory made by hand (or by another tool) needs only `kind`, `threshold` and
 * `preprocess.columns`; what it gives besides is checked, and the parser fills `top_k` and `preprocess.active`.
 */
export interface ModelMetadata {
  format_version?: number;
  kind: ModelKind;
  /** Input contract of the ONNX graph: float32 [N, n_features] raw values in `preprocess.columns` order. */
  input?: { name: 'x'; n_features: number; feature_list_hash: string };
  /** `score` [N] always; `feature_error` [N, F] for the autoencoder. */
  outputs?: string[];
  /** Scores strictly above the threshold are flagged as malware. */
  threshold: number;
  target_fpr?: number;
  /** Higher score = more likely malware (both models). */
  score?: 'reconstruction_loss' | 'probability';
  preprocess: PreprocessSpec;
  /**
   * True when the model reads no system-call column (all excluded, zeroed in the graph): it scores an APK without a
   * trace (`dfp score --apk`, POST /v1/score/apk). The parser refuses `true` on a model whose mask keeps one.
   */
  static_only?: boolean;
  /** Benign validation error stats: their presence picks the reconstruction-z explainer (src/core/ml/explain). */
  error_stats?: ErrorStats;
  /** How many features an explanation lists. */
  top_k?: number;
  /** Classifiers: the learner (absent: mlp, as models before tree detectors). */
  detector?: DetectorKind;
  /** Tree detectors: the ensemble (with node covers) and the Platt scaling of its margin; their presence picks TreeSHAP. */
  trees?: { ensemble: TreeEnsembleJson; platt: { a: number; b: number } };
  /** Where the model came from: run, lake commit, split. */
  run_id?: string;
  data?: { commit: string; table: string; digest: string; ref: string };
  split?: { kind: string; train_months: string[]; test_months: string[]; validation_fraction: number };
  /** sha256 of apps used for training and calibration; evaluation leaves them out unless asked. */
  seen_sha256?: string[];
  created_at?: string;
}

const F = FEATURE_COLUMNS.length;

/**
 * Validates a metadata JSON against what this dfp version can score; `where` names the file or model in messages,
 * which say what to do. Returns the metadata with `top_k` and `preprocess.active` filled in.
 */
export function parseModelMetadata(json: unknown, where: string): ModelMetadata {
  const bad = (what: string) => new DfpError('INPUT_INVALID', `${where}: ${what}; re-export the model with this dfp version`);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw bad('the metadata is not a JSON object');
  const m = json as Record<string, unknown>;
  if (m.format_version !== undefined && m.format_version !== METADATA_VERSION) {
    throw new DfpError('INPUT_INVALID', `${where}: metadata format ${String(m.format_version)} is not ${METADATA_VERSION}; retrain the model with this dfp version`);
  }
  const kind = m.kind;
  if (kind !== 'autoencoder' && kind !== 'classifier') throw bad(`kind must be autoencoder or classifier, got ${JSON.stringify(kind)}`);
  if (typeof m.threshold !== 'number' || !Number.isFinite(m.threshold)) throw bad('threshold is missing or not a number');
  const input = m.input as { n_features?: unknown; feature_list_hash?: unknown } | undefined;
  if (input?.feature_list_hash !== undefined && (input.feature_list_hash !== FEATURE_LIST_HASH || input.n_features !== F)) {
    throw new DfpError('SCHEMA_MISMATCH', `${where}: the model was trained on another feature list (hash ${String(input.feature_list_hash).slice(0, 12)}); retrain it`);
  }
  const pre = (m.preprocess ?? {}) as Record<string, unknown>;
  const columns = pre.columns;
  if (!Array.isArray(columns) || columns.length !== F || columns.some((c, i) => c !== FEATURE_COLUMNS[i])) {
    throw new DfpError('SCHEMA_MISMATCH', `${where}: the model's feature columns are not this dfp's FEATURE_COLUMNS (in order); retrain it with this version`);
  }
  assertNoLeakage(columns as string[]);
  const active = Array.isArray(pre.active) && pre.active.length === F ? pre.active.map((a) => a !== false) : FEATURE_COLUMNS.map(() => true);
  if (m.static_only !== undefined && typeof m.static_only !== 'boolean') throw bad('static_only must be true or false');
  if (m.static_only === true && !isStaticOnly(active)) throw bad('static_only is true but the model reads system-call columns (preprocess.active)');
  const es = m.error_stats as { mean?: unknown; std?: unknown } | undefined;
  if (es !== undefined) {
    const vec = (v: unknown, name: string) => {
      if (!Array.isArray(v) || v.length !== F || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) throw bad(`error_stats.${name} must be ${F} numbers`);
      return v as number[];
    };
    vec(es.mean, 'mean');
    if (vec(es.std, 'std').some((s) => !(s > 0))) throw bad('error_stats.std must be positive');
  }
  if (m.detector !== undefined && !(DETECTOR_KINDS as unknown[]).includes(m.detector)) throw bad(`detector must be one of ${DETECTOR_KINDS.join(', ')}, got ${JSON.stringify(m.detector)}`);
  if (m.trees !== undefined) {
    const t = m.trees as { ensemble?: unknown; platt?: { a?: unknown; b?: unknown } };
    let ensemble;
    try {
      ensemble = ensembleFromJson(t.ensemble, 'trees.ensemble');
      if (ensemble.features !== F) throw new RangeError(`trees.ensemble reads other than ${F} features`);
    } catch (e) {
      throw bad((e as Error).message);
    }
    if (typeof t.platt?.a !== 'number' || typeof t.platt?.b !== 'number') throw bad('trees.platt must be {a, b} numbers');
    // A static-only model's trees must not split on a column its mask leaves out (the trees read raw inputs).
    if (m.static_only === true) {
      for (const tree of ensemble.trees) {
        tree.feature.forEach((j, i) => {
          if (tree.left[i] !== -1 && !active[j]) throw bad(`static_only is true but its trees split on ${FEATURE_COLUMNS[j]}`);
        });
      }
    }
  }
  const topK = typeof m.top_k === 'number' && Number.isInteger(m.top_k) && m.top_k > 0 ? m.top_k : DEFAULT_TOP_K;
  // The remaining preprocessing fields are baked into the graph; only the explainers read them (occlusion: fill).
  return { ...(m as unknown as ModelMetadata), preprocess: { ...(pre as unknown as PreprocessSpec), active }, top_k: topK };
}

/** What GET /v1/models shows of a model's metadata: provenance and verdict settings, without the bulky arrays. */
export function metadataSummary(m: ModelMetadata): Record<string, unknown> {
  const summary: Record<string, unknown> = {};
  for (const k of ['kind', 'detector', 'threshold', 'target_fpr', 'score', 'static_only', 'run_id', 'data', 'created_at', 'outputs'] as const) if (m[k] !== undefined) summary[k] = m[k];
  return summary;
}
