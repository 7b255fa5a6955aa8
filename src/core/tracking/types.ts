/**
 * @module The experiment-tracking and model-registry contract (MLflow's concepts): experiments, runs with
 * params/metrics/tags/dataset inputs/artifacts, registered models, versions, aliases and stages. Backends
 * live in src/tracking/ (an embedded SQLite store, an MLflow REST client); callers see only this interface.
 */

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
/** Legacy MLflow stages, kept for compatibility; aliases are the modern way to point at a version. */
export type Stage = 'None' | 'Staging' | 'Production' | 'Archived';
export const STAGES: readonly Stage[] = ['None', 'Staging', 'Production', 'Archived'];

export interface Experiment {
  id: string;
  name: string;
  artifactLocation: string;
  tags: Record<string, string>;
}

export interface Metric {
  key: string;
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  step: number;
}

/** A run's training data: the exact lake commit, table and content digest it read. */
export interface DatasetInput {
  /** Dataset name, e.g. the lake table ("features"). */
  name: string;
  /** Content digest of the data (the lake table's content_hash). */
  digest: string;
  /** The lake commit id the table was read at. */
  commit: string;
  table: string;
  /** Where the lake lives (its location string). */
  lake?: string;
  /** What the run used it for: train, validation, test. */
  context?: string;
  rows?: number;
}

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  /** Root of the run's artifacts in the backend's own scheme (file://… or mlflow-artifacts:/…). */
  artifactUri: string;
}

export interface Run {
  info: RunInfo;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Latest value of each metric. */
  metrics: Record<string, number>;
  inputs: DatasetInput[];
}

export interface ArtifactEntry {
  /** Path relative to the run's artifact root. */
  path: string;
  isDir: boolean;
  size?: number;
}

export interface ModelVersion {
  name: string;
  /** MLflow numbers versions 1, 2, …; kept as a string as on the wire. */
  version: string;
  /** Artifact location of the model directory (backend scheme). */
  source: string;
  runId: string | null;
  status: 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';
  stage: Stage;
  description: string;
  tags: Record<string, string>;
  aliases: string[];
  createdAt: number;
}

export interface RegisteredModel {
  name: string;
  description: string;
  tags: Record<string, string>;
  /** alias → version */
  aliases: Record<string, string>;
  latestVersion: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface CreateRunOptions {
  /** Experiment name; created when missing. */
  experiment: string;
  runName?: string;
  tags?: Record<string, string>;
  startTime?: number;
}

export interface SearchRunsOptions {
  experiment?: string;
  /** Only runs in this status (e.g. RUNNING, to find runs whose process died). */
  status?: RunStatus;
  maxResults?: number;
}

export interface LogBatch {
  metrics?: Metric[];
  params?: Record<string, string | number | boolean>;
  tags?: Record<string, string>;
}

/** Runs, their data and artifacts. */
export interface RunTracker {
  /** 'embedded' or 'mlflow'. */
  readonly kind: string;
  /** Human description of where runs go (a file, a URL). */
  readonly location: string;
  getOrCreateExperiment(name: string): Promise<Experiment>;
  listExperiments(): Promise<Experiment[]>;
  createRun(opts: CreateRunOptions): Promise<RunInfo>;
  /** Params are write-once (same value again is fine), tags overwrite, metrics append. */
  logBatch(runId: string, batch: LogBatch): Promise<void>;
  logInputs(runId: string, inputs: DatasetInput[]): Promise<void>;
  /** Uploads a local file or directory (recursively) under artifactPath ('' = the root). */
  logArtifacts(runId: string, localPath: string, artifactPath?: string): Promise<void>;
  listArtifacts(runId: string, path?: string): Promise<ArtifactEntry[]>;
  /** Downloads a file or directory of the run's artifacts into destDir; returns the local path. */
  downloadArtifacts(runId: string, path: string, destDir: string): Promise<string>;
  endRun(runId: string, status?: RunStatus, endTime?: number): Promise<void>;
  getRun(runId: string): Promise<Run>;
  /** Newest first. */
  searchRuns(opts?: SearchRunsOptions): Promise<Run[]>;
  getMetricHistory(runId: string, key: string): Promise<Metric[]>;
}

/** The model registry. Versions point at a run's model directory. */
export interface ModelRegistry {
  /** Creates the registered model if missing (idempotent); returns it. */
  ensureRegisteredModel(name: string, opts?: { description?: string; tags?: Record<string, string> }): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  listRegisteredModels(): Promise<RegisteredModel[]>;
  createModelVersion(name: string, v: { source: string; runId?: string; description?: string; tags?: Record<string, string> }): Promise<ModelVersion>;
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  /** All versions of a model, newest first. */
  listModelVersions(name: string): Promise<ModelVersion[]>;
  updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion>;
  setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void>;
  transitionStage(name: string, version: string, stage: Stage, archiveExisting?: boolean): Promise<ModelVersion>;
  setAlias(name: string, alias: string, version: string): Promise<void>;
  deleteAlias(name: string, alias: string): Promise<void>;
  /** The version an alias points at, or null when the alias is not set. */
  getVersionByAlias(name: string, alias: string): Promise<ModelVersion | null>;
}

/** What a sync pushed: local outbox id → MLflow run id, and runs that failed for another reason than reachability. */
export interface SyncReport {
  pushed: { localId: string; remoteId: string }[];
  failed: { localId: string; error: string }[];
}

/** What `openTracking(config)` returns. */
export interface Tracking extends RunTracker, ModelRegistry {
  /** Runs the backend could not push yet (MLflow outbox); always 0 for the embedded store. */
  pendingRuns(): Promise<number>;
  /** Pushes pending runs to the server (idempotent); a no-op for the embedded store. */
  sync(): Promise<SyncReport>;
  close(): Promise<void>;
}
