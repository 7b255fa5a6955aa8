/**
 * @module The MLflow backend: the tracking contract over MLflow's REST API (experiments, runs, log-batch
 * in chunks within the server's limits, log-inputs, artifacts through the server's artifact proxy,
 * registered models, versions, stages and aliases). No local state; ../outbox.ts adds offline safety.
 */
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
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
  chunkBatch,
  toKV,
} from '../../core/tracking/index.ts';
import { safeArtifactPath } from '../embedded/store.ts';
import { MlflowHttp, type MlflowHttpOptions } from './http.ts';

type KVs = { key: string; value: string }[] | undefined;
const kv = (list: KVs): Record<string, string> => Object.fromEntries((list ?? []).map((t) => [t.key, t.value]));
const q = (s: string) => `'${s.replace(/'/g, "\\'")}'`;

interface WireExperiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  tags?: KVs;
}
interface WireRunInfo {
  run_id: string;
  experiment_id: string;
  run_name?: string;
  status: RunStatus;
  start_time?: number | string;
  end_time?: number | string;
  artifact_uri: string;
}
interface WireDataset {
  tags?: KVs;
  dataset: { name: string; digest: string; source_type?: string; source?: string; profile?: string };
}
interface WireRun {
  info: WireRunInfo;
  data?: { metrics?: Metric[]; params?: KVs; tags?: KVs };
  inputs?: { dataset_inputs?: WireDataset[] };
}
interface WireModel {
  name: string;
  creation_timestamp?: number | string;
  last_updated_timestamp?: number | string;
  description?: string;
  latest_versions?: { version: string }[];
  tags?: KVs;
  aliases?: { alias: string; version: string }[];
}
interface WireVersion {
  name: string;
  version: string;
  creation_timestamp?: number | string;
  current_stage?: string;
  description?: string;
  source: string;
  run_id?: string;
  status?: ModelVersion['status'];
  tags?: KVs;
  aliases?: string[];
}

export const DFP_LAKE_SOURCE = 'dfp-lake';

/** MLflow caps a dataset digest at 36 characters; the full sha256 travels in `source`. */
export const MLFLOW_DIGEST_MAX = 36;

/** Converts a lake dataset input to MLflow's Dataset: the lake coordinates and full digest in `source`. */
export function toWireDataset(d: DatasetInput): WireDataset {
  const source = { uri: `dfp-lake://${d.lake ?? ''}@${d.commit}/${d.table}`, commit: d.commit, table: d.table, digest: d.digest, ...(d.lake ? { lake: d.lake } : {}) };
  return {
    tags: d.context ? [{ key: 'mlflow.data.context', value: d.context }] : [],
    dataset: { name: d.name, digest: d.digest.slice(0, MLFLOW_DIGEST_MAX), source_type: DFP_LAKE_SOURCE, source: JSON.stringify(source), ...(d.rows !== undefined ? { profile: JSON.stringify({ num_rows: d.rows }) } : {}) },
  };
}

function fromWireDataset(w: WireDataset): DatasetInput {
  let src: { commit?: string; table?: string; lake?: string; digest?: string } = {};
  let rows: number | undefined;
  try {
    src = JSON.parse(w.dataset.source ?? '{}') as typeof src;
  } catch {
    // a dataset logged by another tool: keep name and digest only
  }
  try {
    rows = (JSON.parse(w.dataset.profile ?? '{}') as { num_rows?: number }).num_rows;
  } catch {
    rows = undefined;
  }
  const context = kv(w.tags)['mlflow.data.context'];
  return {
    name: w.dataset.name,
    digest: src.digest ?? w.dataset.digest,
    commit: src.commit ?? '',
    table: src.table ?? w.dataset.name,
    ...(src.lake ? { lake: src.lake } : {}),
    ...(context ? { context } : {}),
    ...(rows !== undefined ? { rows } : {}),
  };
}

function toRunInfo(i: WireRunInfo): RunInfo {
  return {
    runId: i.run_id,
    experimentId: i.experiment_id,
    runName: i.run_name ?? '',
    status: i.status,
    startTime: Number(i.start_time ?? 0),
    endTime: i.end_time === undefined ? null : Number(i.end_time),
    artifactUri: i.artifact_uri,
  };
}

function toRun(r: WireRun): Run {
  return {
    info: toRunInfo(r.info),
    params: kv(r.data?.params),
    tags: kv(r.data?.tags),
    metrics: Object.fromEntries((r.data?.metrics ?? []).map((m) => [m.key, Number(m.value)])),
    inputs: (r.inputs?.dataset_inputs ?? []).map(fromWireDataset),
  };
}

function toVersion(v: WireVersion): ModelVersion {
  return {
    name: v.name,
    version: String(v.version),
    source: v.source,
    runId: v.run_id || null,
    status: v.status ?? 'READY',
    stage: (v.current_stage ?? 'None') as Stage,
    description: v.description ?? '',
    tags: kv(v.tags),
    aliases: [...(v.aliases ?? [])].sort(),
    createdAt: Number(v.creation_timestamp ?? 0),
  };
}

function toModel(m: WireModel): RegisteredModel {
  const latest = (m.latest_versions ?? []).map((v) => Number(v.version));
  return {
    name: m.name,
    description: m.description ?? '',
    tags: kv(m.tags),
    aliases: Object.fromEntries((m.aliases ?? []).map((a) => [a.alias, String(a.version)])),
    latestVersion: latest.length ? String(Math.max(...latest)) : null,
    createdAt: Number(m.creation_timestamp ?? 0),
    updatedAt: Number(m.last_updated_timestamp ?? 0),
  };
}

/** mlflow-artifacts:/1/<run>/artifacts or mlflow-artifacts://host:port/1/… → 1/<run>/artifacts. */
export function proxiedArtifactPath(artifactUri: string): string {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(artifactUri);
  if (!m) {
    throw new DfpError(
      'CONFIG_INVALID',
      `MLflow run artifacts live at ${artifactUri}, which dfp cannot reach; start the server with artifact proxying (\`mlflow server --serve-artifacts --artifacts-destination …\`)`,
    );
  }
  return m[1]!.replace(/\/+$/, '');
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

export class MlflowStore implements Tracking {
  readonly kind: string = 'mlflow';
  readonly location: string;
  readonly http: MlflowHttp;

  constructor(o: MlflowHttpOptions) {
    this.http = new MlflowHttp(o);
    this.location = this.http.url;
  }

  // ---- experiments ---------------------------------------------------------------------------

  async getExperimentByName(name: string): Promise<Experiment | null> {
    try {
      const r = await this.http.call<{ experiment: WireExperiment }>('GET', 'experiments/get-by-name', `experiment '${name}'`, { experiment_name: name });
      return { id: r.experiment.experiment_id, name: r.experiment.name, artifactLocation: r.experiment.artifact_location ?? '', tags: kv(r.experiment.tags) };
    } catch (e) {
      if (e instanceof DfpError && e.code === 'NOT_FOUND') return null;
      throw e;
    }
  }

  async getOrCreateExperiment(name: string): Promise<Experiment> {
    const found = await this.getExperimentByName(name);
    if (found) return found;
    try {
      await this.http.call('POST', 'experiments/create', `creating experiment '${name}'`, { name });
    } catch (e) {
      // another writer created it between our get and create
      if (!(e instanceof DfpError && e.code === 'CONFLICT')) throw e;
    }
    const made = await this.getExperimentByName(name);
    if (!made) throw new DfpError('INTERNAL', `MLflow: experiment '${name}' vanished right after creation`);
    return made;
  }

  async listExperiments(): Promise<Experiment[]> {
    const out: Experiment[] = [];
    let token: string | undefined;
    do {
      const r = await this.http.call<{ experiments?: WireExperiment[]; next_page_token?: string }>('POST', 'experiments/search', 'listing experiments', { max_results: 1000, page_token: token });
      for (const e of r.experiments ?? []) out.push({ id: e.experiment_id, name: e.name, artifactLocation: e.artifact_location ?? '', tags: kv(e.tags) });
      token = r.next_page_token;
    } while (token);
    return out;
  }

  // ---- runs ----------------------------------------------------------------------------------

  async createRun(o: CreateRunOptions): Promise<RunInfo> {
    const exp = await this.getOrCreateExperiment(o.experiment);
    const r = await this.http.call<{ run: WireRun }>('POST', 'runs/create', `creating a run in experiment '${o.experiment}'`, {
      experiment_id: exp.id,
      run_name: o.runName,
      start_time: o.startTime ?? Date.now(),
      tags: toKV(o.tags),
    });
    return toRunInfo(r.run.info);
  }

  async logBatch(runId: string, b: LogBatch): Promise<void> {
    for (const chunk of chunkBatch(b.metrics ?? [], toKV(b.params), toKV(b.tags))) {
      await this.http.call('POST', 'runs/log-batch', `logging to run ${runId}`, {
        run_id: runId,
        metrics: chunk.metrics.map((m) => ({ key: m.key, value: m.value, timestamp: Math.trunc(m.timestamp), step: Math.trunc(m.step) })),
        params: chunk.params,
        tags: chunk.tags,
      });
    }
  }

  async logInputs(runId: string, inputs: DatasetInput[]): Promise<void> {
    if (inputs.length === 0) return;
    await this.http.call('POST', 'runs/log-inputs', `logging dataset inputs of run ${runId}`, { run_id: runId, datasets: inputs.map(toWireDataset) });
  }

  private async artifactBase(runId: string): Promise<string> {
    return proxiedArtifactPath((await this.getRun(runId)).info.artifactUri);
  }

  /** Uploads one file to <run artifacts>/<rel>; `base` is the run's proxied artifact root. */
  async putFile(base: string, rel: string, localFile: string): Promise<void> {
    await this.http.putArtifact(`${base}/${safeArtifactPath(rel)}`, readFileSync(localFile), `uploading artifact '${rel}'`);
  }

  async logArtifacts(runId: string, localPath: string, artifactPath = ''): Promise<void> {
    const base = await this.artifactBase(runId);
    const prefix = safeArtifactPath(artifactPath);
    const isDir = statSync(localPath).isDirectory();
    const files = isDir ? walk(localPath).map((f) => ({ f, rel: relative(localPath, f).split(sep).join('/') })) : [{ f: localPath, rel: basename(localPath) }];
    for (const { f, rel } of files) await this.putFile(base, prefix ? `${prefix}/${rel}` : rel, f);
  }

  async listArtifacts(runId: string, path = ''): Promise<ArtifactEntry[]> {
    const base = await this.artifactBase(runId);
    const p = safeArtifactPath(path);
    const files = await this.http.listArtifacts(p ? `${base}/${p}` : base, `listing artifacts of run ${runId}`);
    return files
      .map((f) => ({ path: p ? `${p}/${f.path}` : f.path, isDir: Boolean(f.is_dir), ...(f.is_dir ? {} : { size: Number(f.file_size ?? 0) }) }))
      .sort((a, b) => a.path.localeCompare(b.path));
  }

  async downloadArtifacts(runId: string, path: string, destDir: string): Promise<string> {
    const base = await this.artifactBase(runId);
    const p = safeArtifactPath(path);
    const target = join(resolve(destDir), basename(p) || 'artifacts');
    const fetchInto = async (rel: string, to: string): Promise<void> => {
      const listing = await this.listArtifacts(runId, rel);
      const isFile = listing.length === 0 || (listing.length === 1 && listing[0]!.path === rel && !listing[0]!.isDir);
      if (isFile && rel) {
        const bytes = await this.http.getArtifact(`${base}/${rel}`, `downloading artifact '${rel}' of run ${runId}`);
        mkdirSync(dirname(to), { recursive: true });
        writeFileSync(to, bytes);
        return;
      }
      mkdirSync(to, { recursive: true });
      for (const e of listing) await fetchInto(e.path, join(to, e.path.slice(rel ? rel.length + 1 : 0)));
    };
    await fetchInto(p, target);
    return target;
  }

  async endRun(runId: string, status: RunStatus = 'FINISHED', endTime = Date.now()): Promise<void> {
    await this.http.call('POST', 'runs/update', `ending run ${runId}`, { run_id: runId, status, end_time: endTime });
  }

  async getRun(runId: string): Promise<Run> {
    const r = await this.http.call<{ run: WireRun }>('GET', 'runs/get', `run '${runId}'`, { run_id: runId });
    return toRun(r.run);
  }

  /** Runs whose tag equals a value (used by the outbox to find a run it created before a crash). */
  async findRunByTag(experimentId: string, key: string, value: string): Promise<RunInfo | null> {
    const r = await this.http.call<{ runs?: WireRun[] }>('POST', 'runs/search', `searching runs by tag ${key}`, {
      experiment_ids: [experimentId],
      filter: `tags.\`${key}\` = ${q(value)}`,
      max_results: 1,
    });
    return r.runs?.[0] ? toRunInfo(r.runs[0].info) : null;
  }

  async searchRuns(o: SearchRunsOptions = {}): Promise<Run[]> {
    let ids: string[];
    if (o.experiment) {
      const exp = await this.getExperimentByName(o.experiment);
      if (!exp) return [];
      ids = [exp.id];
    } else {
      ids = (await this.listExperiments()).map((e) => e.id);
    }
    if (ids.length === 0) return [];
    const max = o.maxResults ?? 100;
    const out: Run[] = [];
    let token: string | undefined;
    do {
      const r = await this.http.call<{ runs?: WireRun[]; next_page_token?: string }>('POST', 'runs/search', 'searching runs', {
        experiment_ids: ids,
        ...(o.status ? { filter: `attributes.status = ${q(o.status)}` } : {}),
        max_results: Math.min(max - out.length, 1000),
        order_by: ['attributes.start_time DESC'],
        page_token: token,
      });
      out.push(...(r.runs ?? []).map(toRun));
      token = r.next_page_token;
    } while (token && out.length < max);
    return out;
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const out: Metric[] = [];
    let token: string | undefined;
    do {
      const r = await this.http.call<{ metrics?: Metric[]; next_page_token?: string }>('GET', 'metrics/get-history', `metric '${key}' of run ${runId}`, {
        run_id: runId,
        metric_key: key,
        max_results: 25000,
        page_token: token,
      });
      out.push(...(r.metrics ?? []).map((m) => ({ key: m.key, value: Number(m.value), timestamp: Number(m.timestamp), step: Number(m.step ?? 0) })));
      token = r.next_page_token;
    } while (token);
    return out;
  }

  // ---- registry ------------------------------------------------------------------------------

  async ensureRegisteredModel(name: string, opts: { description?: string; tags?: Record<string, string> } = {}): Promise<RegisteredModel> {
    try {
      const r = await this.http.call<{ registered_model: WireModel }>('POST', 'registered-models/create', `creating registered model '${name}'`, {
        name,
        description: opts.description,
        tags: toKV(opts.tags),
      });
      return toModel(r.registered_model);
    } catch (e) {
      if (!(e instanceof DfpError && e.code === 'CONFLICT')) throw e;
      return this.getRegisteredModel(name);
    }
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const r = await this.http.call<{ registered_model: WireModel }>('GET', 'registered-models/get', `registered model '${name}'`, { name });
    return toModel(r.registered_model);
  }

  async listRegisteredModels(): Promise<RegisteredModel[]> {
    const out: RegisteredModel[] = [];
    let token: string | undefined;
    do {
      const r = await this.http.call<{ registered_models?: WireModel[]; next_page_token?: string }>('GET', 'registered-models/search', 'listing registered models', {
        max_results: 1000,
        page_token: token,
      });
      out.push(...(r.registered_models ?? []).map(toModel));
      token = r.next_page_token;
    } while (token);
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async createModelVersion(name: string, v: { source: string; runId?: string; description?: string; tags?: Record<string, string> }): Promise<ModelVersion> {
    const r = await this.http.call<{ model_version: WireVersion }>('POST', 'model-versions/create', `registering a version of '${name}'`, {
      name,
      source: v.source,
      run_id: v.runId,
      description: v.description,
      tags: toKV(v.tags),
    });
    return toVersion(r.model_version);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const r = await this.http.call<{ model_version: WireVersion }>('GET', 'model-versions/get', `version ${version} of registered model '${name}'`, { name, version });
    return toVersion(r.model_version);
  }

  async listModelVersions(name: string): Promise<ModelVersion[]> {
    await this.getRegisteredModel(name);
    const out: ModelVersion[] = [];
    let token: string | undefined;
    do {
      const r = await this.http.call<{ model_versions?: WireVersion[]; next_page_token?: string }>('GET', 'model-versions/search', `versions of registered model '${name}'`, {
        filter: `name=${q(name)}`,
        max_results: 1000,
        page_token: token,
      });
      out.push(...(r.model_versions ?? []).map(toVersion));
      token = r.next_page_token;
    } while (token);
    return out.sort((a, b) => Number(b.version) - Number(a.version));
  }

  async updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    const r = await this.http.call<{ model_version: WireVersion }>('PATCH', 'model-versions/update', `updating version ${version} of '${name}'`, { name, version, description });
    return toVersion(r.model_version);
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.http.call('POST', 'model-versions/set-tag', `tagging version ${version} of '${name}'`, { name, version, key, value });
  }

  async transitionStage(name: string, version: string, stage: Stage, archiveExisting = false): Promise<ModelVersion> {
    const r = await this.http.call<{ model_version: WireVersion }>('POST', 'model-versions/transition-stage', `moving version ${version} of '${name}' to ${stage}`, {
      name,
      version,
      stage,
      archive_existing_versions: archiveExisting,
    });
    return toVersion(r.model_version);
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.http.call('POST', 'registered-models/alias', `setting alias '${alias}' of '${name}' to version ${version}`, { name, alias, version });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.http.call('DELETE', 'registered-models/alias', `deleting alias '${alias}' of '${name}'`, { name, alias });
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion | null> {
    try {
      const r = await this.http.call<{ model_version: WireVersion }>('GET', 'registered-models/alias', `alias '${alias}' of registered model '${name}'`, { name, alias });
      return toVersion(r.model_version);
    } catch (e) {
      if (!(e instanceof DfpError && (e.code === 'NOT_FOUND' || e.code === 'INPUT_INVALID'))) throw e;
      await this.getRegisteredModel(name); // a missing model is an error, a missing alias is null
      return null;
    }
  }

  async pendingRuns(): Promise<number> {
    return 0;
  }

  async sync(): Promise<SyncReport> {
    return { pushed: [], failed: [] };
  }

  async close(): Promise<void> {}
}
