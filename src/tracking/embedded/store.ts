/**
 * @module The embedded tracking store (default backend): runs and the model registry in one SQLite file
 * in the workspace, artifacts in a directory next to it. WAL + a busy timeout + IMMEDIATE transactions
 * let a CLI and a server write at the same time. It doubles as the MLflow outbox (see ../outbox.ts).
 */
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { DfpError } from '../../core/errors.ts';
import {
  type ArtifactEntry,
  type CreateRunOptions,
  type DatasetInput,
  type Experiment,
  type LogBatch,
  type Metric,
  type ModelVersion,
  type RegisteredModel,
  type Run,
  type RunInfo,
  type RunStatus,
  type SearchRunsOptions,
  type Stage,
  type SyncReport,
  type Tracking,
  toKV,
} from '../../core/tracking/index.ts';
import { ownerTags } from '../owner.ts';
import { SCHEMA_SQL } from './schema.ts';

type Row = Record<string, unknown>;

interface RunRow {
  run_id: string;
  experiment_id: number;
  run_name: string;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  artifact_uri: string;
  outbox: number;
  remote_id: string | null;
  remote_artifact_uri: string | null;
  metrics_pushed: number;
  status_pushed: number;
  last_error: string | null;
}

interface VersionRow {
  name: string;
  version: number;
  source: string;
  run_id: string | null;
  status: ModelVersion['status'];
  stage: Stage;
  description: string;
  created: number;
}

/** Rejects artifact paths that would escape the run's directory. */
export function safeArtifactPath(p: string): string {
  const clean = p.replace(/\\/g, '/').replace(/^\/+|\/+$/g, '');
  if (clean.split('/').some((s) => s === '..')) throw new DfpError('INPUT_INVALID', `artifact path '${p}' must not contain '..'`);
  return clean;
}

function walkFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walkFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

export class EmbeddedStore implements Tracking {
  readonly kind: string = 'embedded';
  readonly location: string;
  readonly db: Database.Database;
  readonly artifactRoot: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.location = join(dir, 'tracking.sqlite');
    this.artifactRoot = join(dir, 'artifacts');
    this.db = new Database(this.location, { timeout: 15000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 15000');
    this.db.pragma('foreign_keys = ON');
    this.tx(() => this.db.exec(SCHEMA_SQL));
  }

  /** IMMEDIATE takes the write lock up front, so two writers queue on the busy timeout instead of failing on upgrade. */
  tx<R>(fn: () => R): R {
    return this.db.transaction(fn).immediate();
  }

  private one<R>(sql: string, ...args: unknown[]): R | undefined {
    return this.db.prepare(sql).get(...args) as R | undefined;
  }

  private all<R>(sql: string, ...args: unknown[]): R[] {
    return this.db.prepare(sql).all(...args) as R[];
  }

  private run(sql: string, ...args: unknown[]): Database.RunResult {
    return this.db.prepare(sql).run(...args);
  }

  // ---- experiments ---------------------------------------------------------------------------

  private experimentFrom(row: Row): Experiment {
    const tags = Object.fromEntries(this.all<{ key: string; value: string }>('SELECT key, value FROM experiment_tags WHERE experiment_id = ?', row.id).map((t) => [t.key, t.value]));
    return { id: String(row.id), name: String(row.name), artifactLocation: String(row.artifact_location), tags };
  }

  async getOrCreateExperiment(name: string): Promise<Experiment> {
    if (!name.trim()) throw new DfpError('USAGE', 'experiment name must not be empty');
    return this.tx(() => {
      let row = this.one<Row>('SELECT * FROM experiments WHERE name = ?', name);
      if (!row) {
        const id = Number(this.run("INSERT INTO experiments (name, artifact_location, created) VALUES (?, '', ?)", name, Date.now()).lastInsertRowid);
        this.run('UPDATE experiments SET artifact_location = ? WHERE id = ?', pathToFileURL(join(this.artifactRoot, String(id))).href, id);
        row = this.one<Row>('SELECT * FROM experiments WHERE id = ?', id)!;
      }
      return this.experimentFrom(row);
    });
  }

  async listExperiments(): Promise<Experiment[]> {
    return this.all<Row>('SELECT * FROM experiments ORDER BY id').map((r) => this.experimentFrom(r));
  }

  // ---- runs ----------------------------------------------------------------------------------

  runRow(runId: string): RunRow {
    const row = this.one<RunRow>('SELECT * FROM runs WHERE run_id = ? OR remote_id = ?', runId, runId);
    if (!row) throw new DfpError('NOT_FOUND', `run '${runId}' not found in ${this.location}; list runs with \`dfp runs list\``);
    return row;
  }

  /** Local directory of a run's artifacts. */
  runArtifactDir(runId: string): string {
    const row = this.runRow(runId);
    return join(this.artifactRoot, String(row.experiment_id), row.run_id, 'artifacts');
  }

  async createRun(o: CreateRunOptions & { outbox?: boolean }): Promise<RunInfo> {
    const exp = await this.getOrCreateExperiment(o.experiment);
    const runId = randomUUID().replace(/-/g, '');
    const runName = o.runName ?? `run-${runId.slice(0, 8)}`;
    const dir = join(this.artifactRoot, exp.id, runId, 'artifacts');
    mkdirSync(dir, { recursive: true });
    this.tx(() => {
      this.run(
        "INSERT INTO runs (run_id, experiment_id, run_name, status, start_time, artifact_uri, outbox) VALUES (?, ?, ?, 'RUNNING', ?, ?, ?)",
        runId,
        Number(exp.id),
        runName,
        o.startTime ?? Date.now(),
        pathToFileURL(dir).href,
        o.outbox ? 1 : 0,
      );
      // The owner lets a later dfp tell a crashed run from a live one (../owner.ts); a caller's tags win.
      this.writeTags(runId, { ...ownerTags(), ...o.tags, 'mlflow.runName': runName });
    });
    return this.runInfo(this.runRow(runId));
  }

  private writeTags(runId: string, tags: Record<string, string>): void {
    // A changed tag must be pushed again; an unchanged one keeps its pushed flag.
    const stmt = this.db.prepare('INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, pushed = CASE WHEN tags.value = excluded.value THEN tags.pushed ELSE 0 END');
    for (const { key, value } of toKV(tags)) stmt.run(runId, key, value);
  }

  async logBatch(runId: string, b: LogBatch): Promise<void> {
    const id = this.runRow(runId).run_id;
    this.tx(() => {
      for (const { key, value } of toKV(b.params)) {
        const prev = this.one<{ value: string }>('SELECT value FROM params WHERE run_id = ? AND key = ?', id, key);
        if (prev && prev.value !== value) {
          throw new DfpError('CONFLICT', `param '${key}' of run ${id} is already '${prev.value}'; params are write-once (log '${value}' as a tag or a new run)`);
        }
        if (!prev) this.run('INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)', id, key, value);
      }
      this.writeTags(id, b.tags ?? {});
      const ins = this.db.prepare('INSERT INTO metrics (run_id, key, value, timestamp, step) VALUES (?, ?, ?, ?, ?)');
      for (const m of b.metrics ?? []) {
        if (typeof m.value !== 'number') throw new DfpError('INPUT_INVALID', `metric '${m.key}' must be a number`);
        ins.run(id, m.key, m.value, Math.trunc(m.timestamp), Math.trunc(m.step));
      }
    });
  }

  async logInputs(runId: string, inputs: DatasetInput[]): Promise<void> {
    const id = this.runRow(runId).run_id;
    this.tx(() => {
      const stmt = this.db.prepare(
        'INSERT INTO inputs (run_id, name, digest, context, commit_id, table_name, lake, rows) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      );
      for (const d of inputs) stmt.run(id, d.name, d.digest, d.context ?? '', d.commit, d.table, d.lake ?? null, d.rows ?? null);
    });
  }

  async logArtifacts(runId: string, localPath: string, artifactPath = ''): Promise<void> {
    const dir = this.runArtifactDir(runId);
    const id = this.runRow(runId).run_id;
    if (!existsSync(localPath)) throw new DfpError('NOT_FOUND', `artifact '${localPath}' does not exist`);
    const base = safeArtifactPath(artifactPath);
    const isDir = statSync(localPath).isDirectory();
    const files = isDir ? walkFiles(localPath).map((f) => ({ from: f, rel: relative(localPath, f).split(sep).join('/') })) : [{ from: localPath, rel: basename(localPath) }];
    for (const f of files) {
      const rel = base ? `${base}/${f.rel}` : f.rel;
      const to = join(dir, rel);
      mkdirSync(dirname(to), { recursive: true });
      cpSync(f.from, to);
      this.tx(() =>
        this.run('INSERT INTO artifacts (run_id, path, size) VALUES (?, ?, ?) ON CONFLICT (run_id, path) DO UPDATE SET size = excluded.size, pushed = 0', id, rel, statSync(to).size),
      );
    }
  }

  async listArtifacts(runId: string, path = ''): Promise<ArtifactEntry[]> {
    const root = this.runArtifactDir(runId);
    const p = safeArtifactPath(path);
    const dir = join(root, p);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
    return readdirSync(dir, { withFileTypes: true })
      .map((e) => ({ path: p ? `${p}/${e.name}` : e.name, isDir: e.isDirectory(), ...(e.isDirectory() ? {} : { size: statSync(join(dir, e.name)).size }) }))
      .sort((a, b) => a.path.localeCompare(b.path));
  }

  async downloadArtifacts(runId: string, path: string, destDir: string): Promise<string> {
    const from = join(this.runArtifactDir(runId), safeArtifactPath(path));
    if (!existsSync(from)) throw new DfpError('NOT_FOUND', `run ${runId} has no artifact '${path}'`);
    const to = join(resolve(destDir), basename(from));
    mkdirSync(dirname(to), { recursive: true });
    cpSync(from, to, { recursive: true });
    return to;
  }

  async endRun(runId: string, status: RunStatus = 'FINISHED', endTime = Date.now()): Promise<void> {
    const id = this.runRow(runId).run_id;
    this.tx(() => this.run('UPDATE runs SET status = ?, end_time = ?, status_pushed = 0 WHERE run_id = ?', status, endTime, id));
  }

  runInfo(r: RunRow): RunInfo {
    return {
      runId: r.run_id,
      experimentId: String(r.experiment_id),
      runName: r.run_name,
      status: r.status,
      startTime: r.start_time,
      endTime: r.end_time ?? null,
      artifactUri: r.artifact_uri,
    };
  }

  private runFrom(r: RunRow): Run {
    const id = r.run_id;
    const kv = (table: string) => Object.fromEntries(this.all<{ key: string; value: string }>(`SELECT key, value FROM ${table} WHERE run_id = ? ORDER BY key`, id).map((x) => [x.key, x.value]));
    const metrics = Object.fromEntries(
      this.all<{ key: string; value: number }>('SELECT key, value FROM metrics m WHERE run_id = ? AND seq = (SELECT max(seq) FROM metrics WHERE run_id = m.run_id AND key = m.key) ORDER BY key', id).map((m) => [m.key, m.value]),
    );
    const inputs = this.all<Row>('SELECT * FROM inputs WHERE run_id = ? ORDER BY name, context', id).map(
      (d): DatasetInput => ({
        name: String(d.name),
        digest: String(d.digest),
        commit: String(d.commit_id),
        table: String(d.table_name),
        ...(d.lake ? { lake: String(d.lake) } : {}),
        ...(d.context ? { context: String(d.context) } : {}),
        ...(d.rows !== null && d.rows !== undefined ? { rows: Number(d.rows) } : {}),
      }),
    );
    return { info: this.runInfo(r), params: kv('params'), tags: kv('tags'), metrics, inputs };
  }

  async getRun(runId: string): Promise<Run> {
    return this.runFrom(this.runRow(runId));
  }

  async searchRuns(o: SearchRunsOptions = {}): Promise<Run[]> {
    const limit = o.maxResults ?? 100;
    const where = [...(o.experiment === undefined ? [] : ['e.name = ?']), ...(o.status === undefined ? [] : ['r.status = ?'])];
    const rows = this.all<RunRow>(
      `SELECT r.* FROM runs r JOIN experiments e ON e.id = r.experiment_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY r.start_time DESC, r.rowid DESC LIMIT ?`,
      ...[o.experiment, o.status].filter((v) => v !== undefined),
      limit,
    );
    return rows.map((r) => this.runFrom(r));
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const id = this.runRow(runId).run_id;
    return this.all<Metric>('SELECT key, value, timestamp, step FROM metrics WHERE run_id = ? AND key = ? ORDER BY seq', id, key);
  }

  // ---- registry ------------------------------------------------------------------------------

  private modelRow(name: string): Row {
    const row = this.one<Row>('SELECT * FROM registered_models WHERE name = ?', name);
    if (!row) throw new DfpError('NOT_FOUND', `registered model '${name}' not found; list models with \`dfp models list\``);
    return row;
  }

  private modelFrom(row: Row): RegisteredModel {
    const name = String(row.name);
    const latest = this.one<{ v: number | null }>('SELECT max(version) AS v FROM model_versions WHERE name = ?', name)?.v ?? null;
    return {
      name,
      description: String(row.description ?? ''),
      tags: Object.fromEntries(this.all<{ key: string; value: string }>('SELECT key, value FROM registered_model_tags WHERE name = ? ORDER BY key', name).map((t) => [t.key, t.value])),
      aliases: Object.fromEntries(this.all<{ alias: string; version: number }>('SELECT alias, version FROM aliases WHERE name = ? ORDER BY alias', name).map((a) => [a.alias, String(a.version)])),
      latestVersion: latest === null ? null : String(latest),
      createdAt: Number(row.created),
      updatedAt: Number(row.updated),
    };
  }

  async ensureRegisteredModel(name: string, opts: { description?: string; tags?: Record<string, string> } = {}): Promise<RegisteredModel> {
    if (!/^[^/@:]+$/.test(name)) throw new DfpError('USAGE', `model name '${name}' must not contain '/', '@' or ':'`);
    return this.tx(() => {
      const now = Date.now();
      this.run('INSERT INTO registered_models (name, description, created, updated) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', name, opts.description ?? '', now, now);
      for (const { key, value } of toKV(opts.tags)) this.run('INSERT OR REPLACE INTO registered_model_tags (name, key, value) VALUES (?, ?, ?)', name, key, value);
      return this.modelFrom(this.modelRow(name));
    });
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.modelFrom(this.modelRow(name));
  }

  async listRegisteredModels(): Promise<RegisteredModel[]> {
    return this.all<Row>('SELECT * FROM registered_models ORDER BY name').map((r) => this.modelFrom(r));
  }

  private versionFrom(r: VersionRow): ModelVersion {
    return {
      name: r.name,
      version: String(r.version),
      source: r.source,
      runId: r.run_id,
      status: r.status,
      stage: r.stage,
      description: r.description,
      tags: Object.fromEntries(this.all<{ key: string; value: string }>('SELECT key, value FROM model_version_tags WHERE name = ? AND version = ? ORDER BY key', r.name, r.version).map((t) => [t.key, t.value])),
      aliases: this.all<{ alias: string }>('SELECT alias FROM aliases WHERE name = ? AND version = ? ORDER BY alias', r.name, r.version).map((a) => a.alias),
      createdAt: r.created,
    };
  }

  private versionRow(name: string, version: string): VersionRow {
    this.modelRow(name);
    const row = this.one<VersionRow>('SELECT * FROM model_versions WHERE name = ? AND version = ?', name, Number(version));
    if (!row) throw new DfpError('NOT_FOUND', `model '${name}' has no version ${version}; see \`dfp models show ${name}\``);
    return row;
  }

  async createModelVersion(name: string, v: { source: string; runId?: string; description?: string; tags?: Record<string, string> }): Promise<ModelVersion> {
    return this.tx(() => {
      this.modelRow(name);
      if (v.runId) this.runRow(v.runId);
      const next = (this.one<{ v: number | null }>('SELECT max(version) AS v FROM model_versions WHERE name = ?', name)?.v ?? 0) + 1;
      const now = Date.now();
      this.run(
        "INSERT INTO model_versions (name, version, source, run_id, status, stage, description, created, updated) VALUES (?, ?, ?, ?, 'READY', 'None', ?, ?, ?)",
        name,
        next,
        v.source,
        v.runId ? this.runRow(v.runId).run_id : null,
        v.description ?? '',
        now,
        now,
      );
      for (const { key, value } of toKV(v.tags)) this.run('INSERT INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?)', name, next, key, value);
      this.run('UPDATE registered_models SET updated = ? WHERE name = ?', now, name);
      return this.versionFrom(this.versionRow(name, String(next)));
    });
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return this.versionFrom(this.versionRow(name, version));
  }

  async listModelVersions(name: string): Promise<ModelVersion[]> {
    this.modelRow(name);
    return this.all<VersionRow>('SELECT * FROM model_versions WHERE name = ? ORDER BY version DESC', name).map((r) => this.versionFrom(r));
  }

  async updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    return this.tx(() => {
      this.versionRow(name, version);
      this.run('UPDATE model_versions SET description = ?, updated = ? WHERE name = ? AND version = ?', description, Date.now(), name, Number(version));
      return this.versionFrom(this.versionRow(name, version));
    });
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    this.tx(() => {
      this.versionRow(name, version);
      this.run('INSERT OR REPLACE INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?)', name, Number(version), key, value);
    });
  }

  async transitionStage(name: string, version: string, stage: Stage, archiveExisting = false): Promise<ModelVersion> {
    return this.tx(() => {
      this.versionRow(name, version);
      const now = Date.now();
      if (archiveExisting && (stage === 'Staging' || stage === 'Production')) {
        this.run("UPDATE model_versions SET stage = 'Archived', updated = ? WHERE name = ? AND stage = ? AND version != ?", now, name, stage, Number(version));
      }
      this.run('UPDATE model_versions SET stage = ?, updated = ? WHERE name = ? AND version = ?', stage, now, name, Number(version));
      return this.versionFrom(this.versionRow(name, version));
    });
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    this.tx(() => {
      this.versionRow(name, version);
      this.run('INSERT OR REPLACE INTO aliases (name, alias, version) VALUES (?, ?, ?)', name, alias, Number(version));
    });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    this.tx(() => {
      this.modelRow(name);
      this.run('DELETE FROM aliases WHERE name = ? AND alias = ?', name, alias);
    });
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion | null> {
    this.modelRow(name);
    const a = this.one<{ version: number }>('SELECT version FROM aliases WHERE name = ? AND alias = ?', name, alias);
    return a ? this.getModelVersion(name, String(a.version)) : null;
  }

  async pendingRuns(): Promise<number> {
    return 0;
  }

  async sync(): Promise<SyncReport> {
    return { pushed: [], failed: [] };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
