// SQLite schema of the embedded tracking store; the outbox columns let an MLflow mirror push runs later.
export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS experiments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  artifact_location TEXT NOT NULL,
  created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS experiment_tags (
  experiment_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (experiment_id, key)
);
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY,
  experiment_id INTEGER NOT NULL REFERENCES experiments(id),
  run_name TEXT NOT NULL,
  status TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  end_time INTEGER,
  artifact_uri TEXT NOT NULL,
  -- outbox: 1 while the run still has data a remote has not received
  outbox INTEGER NOT NULL DEFAULT 0,
  remote_id TEXT,
  remote_artifact_uri TEXT,
  metrics_pushed INTEGER NOT NULL DEFAULT 0,
  status_pushed INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  -- which process is creating the remote run right now (so a sync and a trainer never both create it)
  claim TEXT,
  claim_at INTEGER
);
CREATE INDEX IF NOT EXISTS runs_by_experiment ON runs(experiment_id, start_time);
CREATE INDEX IF NOT EXISTS runs_by_remote ON runs(remote_id);
CREATE TABLE IF NOT EXISTS params (
  run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, pushed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS tags (
  run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, pushed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS metrics (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL, key TEXT NOT NULL, value REAL NOT NULL, timestamp INTEGER NOT NULL, step INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS metrics_by_run ON metrics(run_id, key, seq);
CREATE TABLE IF NOT EXISTS inputs (
  run_id TEXT NOT NULL, name TEXT NOT NULL, digest TEXT NOT NULL, context TEXT NOT NULL DEFAULT '',
  commit_id TEXT NOT NULL, table_name TEXT NOT NULL, lake TEXT, rows INTEGER, pushed INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, name, digest, context)
);
CREATE TABLE IF NOT EXISTS artifacts (
  run_id TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, pushed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run_id, path)
);
CREATE TABLE IF NOT EXISTS registered_models (
  name TEXT PRIMARY KEY, description TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL, updated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS registered_model_tags (
  name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, key)
);
CREATE TABLE IF NOT EXISTS model_versions (
  name TEXT NOT NULL, version INTEGER NOT NULL, source TEXT NOT NULL, run_id TEXT, status TEXT NOT NULL,
  stage TEXT NOT NULL DEFAULT 'None', description TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL, updated INTEGER NOT NULL,
  PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS model_version_tags (
  name TEXT NOT NULL, version INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, version, key)
);
CREATE TABLE IF NOT EXISTS aliases (
  name TEXT NOT NULL, alias TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (name, alias)
);
`;
