/**
 * @module MLflow with offline safety. Every run write lands first in the embedded store (the write-ahead
 * outbox: run, params, tags, metrics, inputs, artifact files), then is pushed to the MLflow server. If the
 * server is unreachable the run stays local, training goes on, one warning says so, and `dfp runs sync`
 * pushes the rest later. Pushes are idempotent: cursors and per-row flags record what the server has, the
 * remote run carries the local id as a tag (so a retried create finds it), and MLflow itself ignores an
 * exact duplicate metric row.
 */
import { randomUUID } from 'node:crypto';
import { DfpError } from '../core/errors.ts';
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
  chunkBatch,
  relativeToRun,
} from '../core/tracking/index.ts';
import type { EmbeddedStore } from './embedded/store.ts';
import { isUnreachable } from './mlflow/http.ts';
import { type MlflowStore, proxiedArtifactPath } from './mlflow/store.ts';

export const LOCAL_ID_TAG = 'dfp.local_run_id';
/** A claim older than this is from a process that died mid-create; the tag search then finds its run. */
const CLAIM_TTL_MS = 60_000;

const isBusy = (e: unknown) => e instanceof DfpError && e.details?.busy === true;

interface OutboxRow {
  run_id: string;
  experiment_id: number;
  run_name: string;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  remote_id: string | null;
  remote_artifact_uri: string | null;
  metrics_pushed: number;
  status_pushed: number;
}

export class MirroredTracking implements Tracking {
  readonly kind: string = 'mlflow';
  readonly location: string;
  /** Runs whose push failed in this process: they stay local until endRun or `dfp runs sync`. */
  private readonly offline = new Set<string>();

  constructor(
    readonly local: EmbeddedStore,
    readonly remote: MlflowStore,
    private readonly warn: (message: string) => void,
  ) {
    this.location = remote.location;
  }

  private row(id: string): OutboxRow | undefined {
    return this.local.db.prepare('SELECT * FROM runs WHERE outbox = 1 AND (run_id = ? OR remote_id = ?)').get(id, id) as OutboxRow | undefined;
  }

  /** The id callers see: the MLflow run id once the server has the run, the local id before. */
  private publicId(r: OutboxRow): string {
    return r.remote_id ?? r.run_id;
  }

  private hasPending(localId: string): boolean {
    const q = (sql: string) => this.local.db.prepare(sql).get(localId) !== undefined;
    const r = this.row(localId)!;
    return (
      r.remote_id === null ||
      (r.status !== 'RUNNING' && r.status_pushed === 0) ||
      q('SELECT 1 FROM params WHERE run_id = ? AND pushed = 0') ||
      q('SELECT 1 FROM tags WHERE run_id = ? AND pushed = 0') ||
      q('SELECT 1 FROM inputs WHERE run_id = ? AND pushed = 0') ||
      q('SELECT 1 FROM artifacts WHERE run_id = ? AND pushed = 0') ||
      this.local.db.prepare('SELECT 1 FROM metrics WHERE run_id = ? AND seq > ?').get(localId, r.metrics_pushed) !== undefined
    );
  }

  /** Pushes everything the server lacks for one run. Safe to repeat and to interrupt. */
  async pushRun(localId: string): Promise<string> {
    const db = this.local.db;
    let r = this.row(localId);
    if (!r) throw new DfpError('NOT_FOUND', `run '${localId}' is not in the outbox at ${this.local.location}`);
    const id = r.run_id;
    if (!r.remote_id) {
      const me = `${process.pid}:${randomUUID()}`;
      const now = Date.now();
      const claimed = this.local.tx(
        () => db.prepare('UPDATE runs SET claim = ?, claim_at = ? WHERE run_id = ? AND remote_id IS NULL AND (claim IS NULL OR claim_at < ?)').run(me, now, id, now - CLAIM_TTL_MS).changes,
      );
      if (claimed !== 1) throw new DfpError('CONFLICT', `another dfp process is pushing run ${id} right now; it will finish the job (or retry \`dfp runs sync\` in a minute)`, { busy: true });
      try {
        const expName = (db.prepare('SELECT name FROM experiments WHERE id = ?').get(r.experiment_id) as { name: string }).name;
        const exp = await this.remote.getOrCreateExperiment(expName);
        const found = await this.remote.findRunByTag(exp.id, LOCAL_ID_TAG, id);
        const info = found ?? (await this.remote.createRun({ experiment: expName, runName: r.run_name, startTime: r.start_time, tags: { [LOCAL_ID_TAG]: id } }));
        this.local.tx(() => db.prepare('UPDATE runs SET remote_id = ?, remote_artifact_uri = ? WHERE run_id = ?').run(info.runId, info.artifactUri, id));
      } finally {
        this.local.tx(() => db.prepare('UPDATE runs SET claim = NULL WHERE run_id = ? AND claim = ?').run(id, me));
      }
      r = this.row(id)!;
    }
    const remoteId = r.remote_id!;

    const params = db.prepare('SELECT key, value FROM params WHERE run_id = ? AND pushed = 0 ORDER BY key').all(id) as { key: string; value: string }[];
    const tags = db.prepare('SELECT key, value FROM tags WHERE run_id = ? AND pushed = 0 ORDER BY key').all(id) as { key: string; value: string }[];
    for (const chunk of chunkBatch([], params, tags)) {
      await this.remote.logBatch(remoteId, { params: Object.fromEntries(chunk.params.map((p) => [p.key, p.value])), tags: Object.fromEntries(chunk.tags.map((t) => [t.key, t.value])) });
      this.local.tx(() => {
        for (const p of chunk.params) db.prepare('UPDATE params SET pushed = 1 WHERE run_id = ? AND key = ?').run(id, p.key);
        // only if unchanged since we read it: a newer value must go out on the next push
        for (const t of chunk.tags) db.prepare('UPDATE tags SET pushed = 1 WHERE run_id = ? AND key = ? AND value = ?').run(id, t.key, t.value);
      });
    }

    for (;;) {
      const rows = db.prepare('SELECT seq, key, value, timestamp, step FROM metrics WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT 1000').all(id, this.row(id)!.metrics_pushed) as (Metric & { seq: number })[];
      if (rows.length === 0) break;
      await this.remote.logBatch(remoteId, { metrics: rows.map(({ key, value, timestamp, step }) => ({ key, value, timestamp, step })) });
      const last = rows[rows.length - 1]!.seq;
      this.local.tx(() => db.prepare('UPDATE runs SET metrics_pushed = max(metrics_pushed, ?) WHERE run_id = ?').run(last, id));
    }

    const inputs = (await this.local.getRun(id)).inputs;
    const pendingInputs = db.prepare('SELECT name, digest, context FROM inputs WHERE run_id = ? AND pushed = 0').all(id) as { name: string; digest: string; context: string }[];
    if (pendingInputs.length) {
      const todo = inputs.filter((d) => pendingInputs.some((p) => p.name === d.name && p.digest === d.digest && p.context === (d.context ?? '')));
      await this.remote.logInputs(remoteId, todo);
      this.local.tx(() => {
        for (const p of pendingInputs) db.prepare('UPDATE inputs SET pushed = 1 WHERE run_id = ? AND name = ? AND digest = ? AND context = ?').run(id, p.name, p.digest, p.context);
      });
    }

    const artifacts = db.prepare('SELECT path FROM artifacts WHERE run_id = ? AND pushed = 0 ORDER BY path').all(id) as { path: string }[];
    if (artifacts.length) {
      const base = proxiedArtifactPath(r.remote_artifact_uri ?? (await this.remote.getRun(remoteId)).info.artifactUri);
      const dir = this.local.runArtifactDir(id);
      for (const a of artifacts) {
        await this.remote.putFile(base, a.path, `${dir}/${a.path}`);
        this.local.tx(() => db.prepare('UPDATE artifacts SET pushed = 1 WHERE run_id = ? AND path = ?').run(id, a.path));
      }
    }

    const now = this.row(id)!;
    if (now.status !== 'RUNNING' && now.status_pushed === 0) {
      await this.remote.endRun(remoteId, now.status, now.end_time ?? Date.now());
      this.local.tx(() => db.prepare('UPDATE runs SET status_pushed = 1, last_error = NULL WHERE run_id = ? AND status = ?').run(id, now.status));
    }
    return remoteId;
  }

  /** Push now; if the server is unreachable, keep the run local and say so once. */
  private async tryPush(localId: string, force = false): Promise<void> {
    if (this.offline.has(localId) && !force) return;
    try {
      await this.pushRun(localId);
      this.offline.delete(localId);
    } catch (e) {
      if (isBusy(e)) return; // the other process pushes what we wrote; our next write or endRun tries again
      if (!isUnreachable(e)) throw e;
      this.local.tx(() => this.local.db.prepare('UPDATE runs SET last_error = ? WHERE run_id = ?').run((e as Error).message, localId));
      if (!this.offline.has(localId)) {
        this.offline.add(localId);
        this.warn(`MLflow at ${this.location} unreachable; run kept locally as ${localId} in ${this.local.location}; push it later with \`dfp runs sync\``);
      }
    }
  }

  private localIdOf(runId: string): string {
    const r = this.row(runId);
    if (!r) throw new DfpError('NOT_FOUND', `run '${runId}' was not started by this workspace; dfp writes only to runs it created`);
    return r.run_id;
  }

  async getOrCreateExperiment(name: string): Promise<Experiment> {
    return this.remote.getOrCreateExperiment(name);
  }

  async listExperiments(): Promise<Experiment[]> {
    return this.remote.listExperiments();
  }

  async createRun(o: CreateRunOptions): Promise<RunInfo> {
    const info = await this.local.createRun({ ...o, outbox: true });
    await this.tryPush(info.runId);
    return this.localView(this.row(info.runId)!).info;
  }

  async logBatch(runId: string, b: LogBatch): Promise<void> {
    const id = this.localIdOf(runId);
    await this.local.logBatch(id, b);
    await this.tryPush(id);
  }

  async logInputs(runId: string, inputs: DatasetInput[]): Promise<void> {
    const id = this.localIdOf(runId);
    await this.local.logInputs(id, inputs);
    await this.tryPush(id);
  }

  async logArtifacts(runId: string, localPath: string, artifactPath?: string): Promise<void> {
    const id = this.localIdOf(runId);
    await this.local.logArtifacts(id, localPath, artifactPath);
    await this.tryPush(id);
  }

  async endRun(runId: string, status: RunStatus = 'FINISHED', endTime?: number): Promise<void> {
    const id = this.localIdOf(runId);
    await this.local.endRun(id, status, endTime);
    await this.tryPush(id, true); // one last attempt: the server may be back
  }

  /** A run as the outbox holds it, under the id and artifact root the server knows it by. */
  private localView(r: OutboxRow): Run {
    const full = this.local.runInfo(this.local.runRow(r.run_id));
    return {
      info: { ...full, runId: this.publicId(r), artifactUri: r.remote_artifact_uri ?? full.artifactUri },
      params: {},
      tags: {},
      metrics: {},
      inputs: [],
    };
  }

  private async pendingView(r: OutboxRow): Promise<Run> {
    const run = await this.local.getRun(r.run_id);
    const base = this.localView(r);
    return { ...run, info: base.info, tags: { ...run.tags, [LOCAL_ID_TAG]: r.run_id, 'dfp.sync': 'pending' } };
  }

  async getRun(runId: string): Promise<Run> {
    const r = this.row(runId);
    if (r && (r.remote_id === null || this.offline.has(r.run_id) || this.hasPending(r.run_id))) return this.pendingView(r);
    return this.remote.getRun(r?.remote_id ?? runId);
  }

  async searchRuns(o: SearchRunsOptions = {}): Promise<Run[]> {
    const pending = await Promise.all(this.pendingRows().map((r) => this.pendingView(r)));
    let remote: Run[] = [];
    try {
      remote = await this.remote.searchRuns(o);
    } catch (e) {
      if (!isUnreachable(e)) throw e;
      this.warn(`MLflow at ${this.location} unreachable; listing only runs kept locally`);
    }
    const seen = new Set(pending.map((p) => p.info.runId));
    const expIds = o.experiment ? new Set((await this.local.listExperiments()).filter((e) => e.name === o.experiment).map((e) => e.id)) : null;
    const localPending = pending.filter((p) => (!expIds || expIds.has(this.local.runInfo(this.local.runRow(p.tags[LOCAL_ID_TAG]!)).experimentId)) && (!o.status || p.info.status === o.status));
    return [...localPending, ...remote.filter((r) => !seen.has(r.info.runId))].sort((a, b) => b.info.startTime - a.info.startTime).slice(0, o.maxResults ?? 100);
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const r = this.row(runId);
    return r ? this.local.getMetricHistory(r.run_id, key) : this.remote.getMetricHistory(runId, key);
  }

  async listArtifacts(runId: string, path?: string): Promise<ArtifactEntry[]> {
    const r = this.row(runId);
    return r ? this.local.listArtifacts(r.run_id, path) : this.remote.listArtifacts(runId, path);
  }

  async downloadArtifacts(runId: string, path: string, destDir: string): Promise<string> {
    const r = this.row(runId);
    return r ? this.local.downloadArtifacts(r.run_id, path, destDir) : this.remote.downloadArtifacts(runId, path, destDir);
  }

  private pendingRows(): OutboxRow[] {
    const rows = this.local.db.prepare('SELECT * FROM runs WHERE outbox = 1 ORDER BY start_time').all() as OutboxRow[];
    return rows.filter((r) => this.hasPending(r.run_id));
  }

  async pendingRuns(): Promise<number> {
    return this.pendingRows().length;
  }

  /** Pushes every run the server is missing data of. */
  async sync(): Promise<SyncReport> {
    const report: SyncReport = { pushed: [], failed: [] };
    for (const r of this.pendingRows()) {
      try {
        report.pushed.push({ localId: r.run_id, remoteId: await this.pushRun(r.run_id) });
      } catch (e) {
        if (isUnreachable(e)) throw new DfpError('NETWORK', `MLflow at ${this.location} unreachable; ${this.pendingRows().length} run(s) still pending locally; try \`dfp runs sync\` again when it is up`, { pending: this.pendingRows().length }, { cause: e });
        report.failed.push({ localId: r.run_id, error: (e as Error).message });
      }
    }
    return report;
  }

  // ---- registry: straight to MLflow; a version of a run still in the outbox pushes it first ----

  async createModelVersion(name: string, v: { source: string; runId?: string; description?: string; tags?: Record<string, string> }): Promise<ModelVersion> {
    const r = v.runId ? this.row(v.runId) : undefined;
    if (!r) return this.remote.createModelVersion(name, v);
    try {
      await this.pushRun(r.run_id);
    } catch (e) {
      if (isUnreachable(e)) {
        throw new DfpError('NETWORK', `MLflow at ${this.location} unreachable: cannot register run ${r.run_id} as '${name}' yet; run \`dfp runs sync\` when it is up, then register again`, undefined, { cause: e });
      }
      throw e;
    }
    const fresh = this.row(r.run_id)!;
    const localRoot = this.local.runInfo(this.local.runRow(r.run_id)).artifactUri;
    const rel = relativeToRun(v.source, localRoot);
    const source = rel === null ? v.source : rel ? `${fresh.remote_artifact_uri}/${rel}` : fresh.remote_artifact_uri!;
    return this.remote.createModelVersion(name, { ...v, source, runId: fresh.remote_id! });
  }

  ensureRegisteredModel(name: string, opts?: { description?: string; tags?: Record<string, string> }): Promise<RegisteredModel> {
    return this.remote.ensureRegisteredModel(name, opts);
  }
  getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.remote.getRegisteredModel(name);
  }
  listRegisteredModels(): Promise<RegisteredModel[]> {
    return this.remote.listRegisteredModels();
  }
  getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return this.remote.getModelVersion(name, version);
  }
  listModelVersions(name: string): Promise<ModelVersion[]> {
    return this.remote.listModelVersions(name);
  }
  updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    return this.remote.updateModelVersion(name, version, description);
  }
  setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    return this.remote.setModelVersionTag(name, version, key, value);
  }
  transitionStage(name: string, version: string, stage: Stage, archiveExisting?: boolean): Promise<ModelVersion> {
    return this.remote.transitionStage(name, version, stage, archiveExisting);
  }
  setAlias(name: string, alias: string, version: string): Promise<void> {
    return this.remote.setAlias(name, alias, version);
  }
  deleteAlias(name: string, alias: string): Promise<void> {
    return this.remote.deleteAlias(name, alias);
  }
  getVersionByAlias(name: string, alias: string): Promise<ModelVersion | null> {
    return this.remote.getVersionByAlias(name, alias);
  }

  async close(): Promise<void> {
    await this.local.close();
  }
}
