// Reads the preprocessing-metadata JSON beside a model into what scoring needs, refusing models it cannot serve.
import { DfpError } from '../errors.ts';
import { FEATURE_COLUMNS } from '../kronodroid/schema.ts';
import { N_FEATURES } from './features.ts';

export type ScoringKind = 'autoencoder' | 'classifier';

/** The part of src/core/ml/models/metadata.ts's ModelMetadata a scorer uses. */
export interface ScoringMetadata {
  kind: ScoringKind;
  /** Scores strictly above it are flagged as malware. */
  threshold: number;
  /** Autoencoder: per-feature error mean/std on benign validation rows; z = (error − mean) / std. */
  errorStats?: { mean: Float64Array; std: Float64Array };
  /** False for features the model zeroes internally; they never appear in top_features. */
  active: boolean[];
  topK: number;
  /** Kept whole for GET /v1/models (run id, data commit, created_at …), minus the bulky arrays. */
  summary: Record<string, unknown>;
}

const DEFAULT_TOP_K = 5;

/** Validates the JSON; `where` names the file or model in messages. */
export function parseScoringMetadata(json: unknown, where: string): ScoringMetadata {
  const bad = (what: string) => new DfpError('INPUT_INVALID', `${where}: ${what}; re-export the model with this dfp version`);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw bad('the metadata is not a JSON object');
  const m = json as Record<string, unknown>;
  const kind = m.kind;
  if (kind !== 'autoencoder' && kind !== 'classifier') throw bad(`kind must be autoencoder or classifier, got ${JSON.stringify(kind)}`);
  if (typeof m.threshold !== 'number' || !Number.isFinite(m.threshold)) throw bad('threshold is missing or not a number');
  const pre = (m.preprocess ?? {}) as Record<string, unknown>;
  const columns = pre.columns;
  if (!Array.isArray(columns) || columns.length !== N_FEATURES || columns.some((c, i) => c !== FEATURE_COLUMNS[i])) {
    throw new DfpError('SCHEMA_MISMATCH', `${where}: the model's feature columns are not this dfp's FEATURE_COLUMNS (in order); retrain it with this version`);
  }
  const active = Array.isArray(pre.active) && pre.active.length === N_FEATURES ? pre.active.map((a) => a !== false) : FEATURE_COLUMNS.map(() => true);
  let errorStats: ScoringMetadata['errorStats'];
  const es = m.error_stats as { mean?: unknown; std?: unknown } | undefined;
  if (es !== undefined) {
    const vec = (v: unknown, name: string) => {
      if (!Array.isArray(v) || v.length !== N_FEATURES || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) throw bad(`error_stats.${name} must be ${N_FEATURES} numbers`);
      return Float64Array.from(v as number[]);
    };
    const std = vec(es.std, 'std');
    if (std.some((s) => !(s > 0))) throw bad('error_stats.std must be positive');
    errorStats = { mean: vec(es.mean, 'mean'), std };
  }
  const topK = typeof m.top_k === 'number' && Number.isInteger(m.top_k) && m.top_k > 0 ? m.top_k : DEFAULT_TOP_K;
  const summary: Record<string, unknown> = {};
  for (const k of ['kind', 'threshold', 'target_fpr', 'score', 'run_id', 'data', 'created_at', 'outputs']) if (m[k] !== undefined) summary[k] = m[k];
  return { kind, threshold: m.threshold, ...(errorStats ? { errorStats } : {}), active, topK, summary };
}
