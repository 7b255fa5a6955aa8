// Shapes of `dfp run`: step records kept between runs, and the summary printed with --json and saved as runs/last-run.json.

export type StepStatus = 'ran' | 'cached' | 'failed';

/** One step as persisted in runs/pipeline/state.json: the key it ran under and what it produced. */
export interface StepRecord {
  key: string;
  status: StepStatus;
  seconds: number;
  finished_at: string;
  /** Whatever later steps need (commit ids, run ids, versions, paths); absent when the step failed. */
  output?: Record<string, unknown>;
  error?: string;
}

export interface PipelineState {
  format_version: 1;
  steps: Record<string, StepRecord>;
}

export interface ChampionSummary {
  metric: string;
  higher_is_better: boolean;
  /** null when retrain.when fitted no challenger this run. */
  candidate_value: number | null;
  production_version: string | null;
  production_value: number | null;
  promoted: boolean;
  reason: string;
}

export interface ModelSummary {
  kind: 'autoencoder' | 'classifier';
  /** Trained on the static columns only: scores an APK without a trace. */
  static_only: boolean;
  /** The version this run registered (the candidate). */
  version: string;
  run_id: string;
  /** Candidate's metrics on the test split. */
  metrics: Record<string, unknown>;
  /** True when the candidate is the production version now. */
  production: boolean;
  production_version: string | null;
  /** retrain.when's decision: whether a challenger was fitted on this data, and why. */
  retrain: { trained: boolean; reason: string };
  champion: ChampionSummary;
}

/** The --json document of `dfp run`, also written to <workspace>/runs/last-run.json (the dashboard reads it). */
export interface RunSummary {
  status: 'succeeded' | 'failed';
  started_at: string;
  finished_at: string;
  seconds: number;
  workspace: string;
  source: string;
  data_commit: string;
  /** raw_table: the capture the transform read (data.table). */
  data: { table: string; rows: number; ingest_commit: string; raw_table: string } | null;
  steps: Record<string, { status: StepStatus; seconds: number; error?: string }>;
  models: Record<string, ModelSummary>;
  exports: Record<string, { version: string; onnx: string; tflite: string }>;
  serve: string;
  error?: { step: string; message: string };
}
