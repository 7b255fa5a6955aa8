// Shapes of the dashboard's JSON API (/api/ui/*), shared by the Fastify routes and the React app (type-only).

export interface ApiError {
  error: { code: string; message: string };
}

export interface CommitSummary {
  id: string;
  parents: string[];
  message: string;
  author: string;
  time: string;
  tables: { name: string; rows: number; columns: number; key?: string }[];
  metadata: Record<string, unknown>;
}

/** One step of `dfp run` as read from `<workspace>/runs/last-run.json` (see src/dashboard/README.md). */
export interface PipelineStep {
  name: string;
  status: string;
  started_at?: string;
  seconds?: number;
  detail?: string;
}

/** The retraining decision `dfp run` took for one model (RunSummary.models[name] in last-run.json). */
export interface PipelineDecision {
  name: string;
  /** Whether a challenger was fitted (retrain.when), and why. */
  retrained: boolean;
  retrain_reason: string;
  metric: string;
  /** The challenger's and the champion's values on the same newest test months (null: none). */
  candidate_version: string | null;
  candidate_value: number | null;
  production_version: string | null;
  production_value: number | null;
  promoted: boolean;
  reason: string;
}

export interface PipelineRun {
  id?: string;
  status: string;
  started_at?: string;
  finished_at?: string;
  seconds?: number;
  steps: PipelineStep[];
  decisions: PipelineDecision[];
}

export interface RunRow {
  runId: string;
  runName: string;
  experimentId: string;
  status: string;
  startTime: number;
  endTime: number | null;
  model: string | null;
  lakeCommit: string | null;
  params: Record<string, string>;
  metrics: Record<string, number>;
}

export interface AliasedVersion {
  name: string;
  alias: string;
  version: string;
  runId: string | null;
  kind: string | null;
  metrics: Record<string, number>;
}

export interface Overview {
  workspace: string;
  pipeline: PipelineRun | null;
  lake: { location: string; branch: string; head: CommitSummary | null };
  runs: RunRow[];
  production: AliasedVersion[];
  tracking: { kind: string; location: string };
  errors: string[];
}

export interface RefRow {
  name: string;
  kind: 'branch' | 'tag';
  commit: string;
  time: string;
  message: string;
  isDefault: boolean;
}

export interface TablePage {
  ref: string;
  commit: string;
  table: string;
  total: number;
  offset: number;
  limit: number;
  columns: string[];
  rows: Record<string, unknown>[];
}

export interface Quarantine {
  commit: string | null;
  time: string | null;
  source: string | null;
  input_rows: number;
  loaded_rows: number;
  quarantined_rows: number;
  reasons: { reason: string; rows: number }[];
  sample: Record<string, unknown>[];
}

export interface FeatureViewRow {
  name: string;
  source: string;
  features: number;
  ttl_seconds: number;
  entities: number | null;
  watermark: string | null;
  materialized_at: string | null;
  lake_commit: string | null;
}

export interface FeaturesOverview {
  version: string;
  applied_at: string;
  lake_ref: string;
  lake_commit: string;
  store: { kind: string; location: string };
  views: FeatureViewRow[];
  services: { name: string; features: number }[];
}

export interface AppFeatures {
  sha256: string;
  status: string;
  event_timestamps: Record<string, string | null>;
  values: Record<string, number | null>;
}

export interface MetricPoint {
  step: number;
  value: number;
  timestamp: number;
}

export interface RunDetail {
  run: RunRow & { artifactUri: string; tags: Record<string, string>; inputs: { context?: string; table: string; commit: string; rows?: number }[] };
  history: Record<string, MetricPoint[]>;
  artifacts: string[];
}

export interface VersionRow {
  version: string;
  stage: string;
  aliases: string[];
  runId: string | null;
  status: string;
  createdAt: number;
  description: string;
  kind: string | null;
  metrics: Record<string, number>;
}

export interface ModelRow {
  name: string;
  description: string;
  aliases: Record<string, string>;
  latestVersion: string | null;
  updatedAt: number;
  versions: VersionRow[];
}

export interface PromoteResult {
  name: string;
  alias: string;
  version: string;
  previous: string | null;
}

export interface Contribution {
  name: string;
  /** Autoencoder: z-score of the feature's reconstruction error; classifier: score drop when the feature is reset to its training fill value. */
  value: number;
}

/** The fingerprint (anomaly) model's view of the app, beside the verdict. */
export interface FingerprintScore {
  score: number;
  is_anomalous: boolean;
  threshold: number;
  model: { name: string; version: string | null; alias: string; run_id: string; kind: string };
  /** z-scores of the reconstruction error. */
  top_features: Contribution[];
}

export interface ScoreResponse {
  score: number;
  is_malware: boolean;
  threshold: number;
  model: { name: string; version: string | null; alias: string; run_id: string; kind: string };
  explanation: 'reconstruction_z' | 'occlusion' | 'tree_shap';
  top_features: Contribution[];
  sha256?: string;
  /** Features the input did not give (filled by the model's preprocessing). */
  missing_features: number;
  unknown_fields: string[];
  /** When no model was asked for and serve.fingerprint_model has a version with the alias. */
  fingerprint?: FingerprintScore;
}

export interface ScoreModelInfo {
  name: string;
  alias: string;
  version: string | null;
  run_id: string;
  kind: string;
  threshold: number;
  features: string[];
  /** The fingerprint model scored beside it, when registered with the alias. */
  fingerprint?: Omit<ScoreModelInfo, 'features' | 'fingerprint'>;
}
