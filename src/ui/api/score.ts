// /api/ui/score*: scores one app the way /v1/score does by default — the verdict of serve.model@serve.alias (the
// detector) with the anomaly score of serve.fingerprint_model beside it when registered — or with the one model
// asked for, and explains the score.
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { servedFingerprintModel } from '../../core/config/schema.ts';
import { DfpError, isDfpError } from '../../core/errors.ts';
import { FEATURE_COLUMNS } from '../../core/kronodroid/schema.ts';
import { OnlineFeatureService } from '../../features/online/service.ts';
import { RegistryStore } from '../../features/registry/store.ts';
import { ScoringModel } from '../../train/scoring.ts';
import { fetchModel } from '../../tracking/index.ts';
import { str } from '../http.ts';
import type { UiResources } from '../resources.ts';
import type { FingerprintScore, ScoreModelInfo, ScoreResponse, TopFeature } from '../types.ts';
import { SHA256 } from './features.ts';
import { type Row, rowFromCsv, rowFromObject } from './score-input.ts';

const TOP = 10;

interface Loaded {
  key: string;
  model: ScoringModel;
  info: Omit<ScoreModelInfo, 'features'>;
}

/** Keeps the last loaded version of each model; a moved alias loads the new one and releases the old one. */
class ModelCache {
  private readonly current = new Map<string, { key: string; loaded: Promise<Loaded> }>();

  constructor(private readonly r: UiResources) {}

  async get(name: string, alias: string): Promise<Loaded> {
    const t = await this.r.tracking();
    const v = await t.getVersionByAlias(name, alias);
    if (!v) throw new DfpError('NOT_FOUND', `model ${name} has no version with alias '${alias}'; promote one on the Models page or with \`dfp models promote\``);
    const key = `${alias}/${v.version}/${v.runId ?? ''}`;
    const previous = this.current.get(name);
    if (previous?.key === key) return previous.loaded;
    const loaded = (async () => {
      const fetched = await fetchModel(t, `models:/${name}/${v.version}`, join(this.r.cacheDir, 'models', name, v.version));
      const model = await ScoringModel.load(fetched.dir);
      return { key, model, info: { name, alias, version: v.version, run_id: model.metadata.run_id, kind: model.metadata.kind, threshold: model.metadata.threshold } };
    })();
    this.current.set(name, { key, loaded });
    loaded.catch(() => {
      if (this.current.get(name)?.key === key) this.current.delete(name);
    });
    if (previous) void previous.loaded.then((p) => p.model.release()).catch(() => undefined);
    return loaded;
  }

  /** Like get, but undefined when the model has no version with that alias (a fingerprint model is optional). */
  async find(name: string, alias: string): Promise<Loaded | undefined> {
    try {
      return await this.get(name, alias);
    } catch (e) {
      if (isDfpError(e) && e.code === 'NOT_FOUND') return undefined;
      throw e;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.current.values()].map((c) => c.loaded.then((p) => p.model.release()).catch(() => undefined)));
  }
}

/** Classifier explanation: how much the score drops when each given feature is reset to its training fill value. */
async function occlusion(model: ScoringModel, x: Float32Array, base: number): Promise<TopFeature[]> {
  const F = FEATURE_COLUMNS.length;
  const { fill, active } = model.metadata.preprocess;
  const idx = [...Array(F).keys()].filter((j) => active[j] && !Number.isNaN(x[j]!) && x[j] !== fill[j]);
  if (idx.length === 0) return [];
  const batch = new Float32Array(idx.length * F);
  idx.forEach((j, i) => {
    batch.set(x, i * F);
    batch[i * F + j] = fill[j]!;
  });
  const scores = (await model.score(batch)).score;
  return idx
    .map((j, i) => ({ name: FEATURE_COLUMNS[j]!, value: base - scores[i]! }))
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value))
    .slice(0, TOP);
}

/** The fingerprint model's anomaly score of the row, with its reconstruction-error explanation. */
async function fingerprintOf(fp: Loaded, x: Float32Array): Promise<FingerprintScore> {
  const scored = await fp.model.score(x);
  const score = scored.score[0]!;
  const explained = fp.model.explain(scored, 0);
  return {
    score,
    is_anomalous: fp.model.flagged(score),
    threshold: fp.info.threshold,
    model: { name: fp.info.name, version: fp.info.version, alias: fp.info.alias, run_id: fp.info.run_id, kind: fp.info.kind },
    top_features: explained ? explained.top.slice(0, TOP).map((c) => ({ name: c.feature, value: c.z })) : [],
  };
}

async function lookup(r: UiResources, sha: string): Promise<Row> {
  if (!SHA256.test(sha)) throw new DfpError('USAGE', `'${sha}' is not a sha256 (64 hex digits)`);
  const service = new OnlineFeatureService(await r.store(), new RegistryStore(r.config.workspace).load());
  const got = await service.getOne(sha.toLowerCase(), service.select({}));
  if (got.status === 'NOT_FOUND') throw new DfpError('NOT_FOUND', `app ${sha} is not in the online store; run \`dfp features materialize\` or paste its features`);
  if (got.status === 'OUTSIDE_MAX_AGE') throw new DfpError('NOT_FOUND', `the online features of app ${sha} are older than their TTL`);
  const row = rowFromObject(got.values);
  return { ...row, unknown: [] };
}

export function scoreRoutes(app: FastifyInstance, r: UiResources): void {
  const cache = new ModelCache(r);
  app.addHook('onClose', () => cache.close());
  /** The verdict's model, and the fingerprint model's name when none was asked for (as /v1/score without ?model=). */
  const which = (q: unknown) => {
    const asked = str(q, 'model');
    const name = asked ?? r.config.serve.model;
    const fp = servedFingerprintModel(r.config.serve);
    return { name, alias: str(q, 'alias') ?? r.config.serve.alias, fingerprint: asked === undefined && fp !== name ? fp : undefined };
  };

  app.get('/api/ui/score/model', async (req): Promise<ScoreModelInfo> => {
    const { name, alias, fingerprint } = which(req.query);
    const loaded = await cache.get(name, alias);
    const fp = fingerprint ? await cache.find(fingerprint, alias) : undefined;
    return { ...loaded.info, features: [...FEATURE_COLUMNS], ...(fp ? { fingerprint: fp.info } : {}) };
  });

  app.post<{ Body: { features?: unknown; csv?: unknown; sha256?: unknown; model?: unknown; alias?: unknown } }>('/api/ui/score', async (req): Promise<ScoreResponse> => {
    const body = req.body ?? {};
    const { name, alias, fingerprint } = which(body);
    let row: Row;
    let sha: string | undefined;
    if (typeof body.sha256 === 'string' && body.sha256.trim() !== '') {
      sha = body.sha256.trim().toLowerCase();
      row = await lookup(r, sha);
    } else if (typeof body.csv === 'string' && body.csv.trim() !== '') {
      const parsed = rowFromCsv(body.csv);
      row = parsed.row;
      sha = parsed.fields.sha256 || undefined;
    } else if (body.features && typeof body.features === 'object' && !Array.isArray(body.features)) {
      row = rowFromObject(body.features as Record<string, unknown>);
    } else {
      throw new DfpError('INPUT_INVALID', 'send one of: {"features": {name: value, …}}, {"csv": "<header>\\n<row>"} or {"sha256": "…"}');
    }
    if (row.missing === FEATURE_COLUMNS.length) throw new DfpError('INPUT_INVALID', `none of the fields is a model feature (${FEATURE_COLUMNS.length} expected, e.g. ${FEATURE_COLUMNS.slice(0, 3).join(', ')})`);
    const { model, info } = await cache.get(name, alias);
    const scored = await model.score(row.x);
    const score = scored.score[0]!;
    const explained = model.explain(scored, 0);
    const top = explained ? explained.top.slice(0, TOP).map((c) => ({ name: c.feature, value: c.z })) : await occlusion(model, row.x, score);
    const fp = fingerprint ? await cache.find(fingerprint, alias) : undefined;
    return {
      score,
      is_malware: model.flagged(score),
      threshold: info.threshold,
      model: { name, version: info.version, alias, run_id: info.run_id, kind: info.kind },
      explanation: explained ? 'reconstruction_z' : 'occlusion',
      top_features: top,
      ...(sha ? { sha256: sha } : {}),
      missing_features: row.missing,
      unknown_fields: row.unknown,
      ...(fp ? { fingerprint: await fingerprintOf(fp, row.x) } : {}),
    };
  });
}
