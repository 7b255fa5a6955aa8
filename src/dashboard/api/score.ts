// /api/ui/score*: scores one app the way /v1/score does by default — the verdict of serve.model@serve.alias (the
// detector) with the anomaly score of serve.fingerprint_model beside it when registered — or with the one model
// asked for, held and swapped as the API holds its models. The score is explained by the explainer the model's
// metadata picks, occlusion included (the API leaves it out: it runs the model once more per feature).
import type { FastifyInstance } from 'fastify';
import { servedFingerprintModel } from '../../core/config/schema.ts';
import { DfpError, isDfpError } from '../../core/errors.ts';
import { FEATURE_COLUMNS } from '../../core/kronodroid/schema.ts';
import { OnlineFeatureService } from '../../features/online/service.ts';
import { RegistryStore } from '../../features/registry/store.ts';
import { ModelHolder, type Served } from '../../runtime/holder.ts';
import { RegistryModelSource } from '../../runtime/sources/registry.ts';
import { str } from '../http.ts';
import type { DashboardResources } from '../resources.ts';
import type { FingerprintScore, ScoreModelInfo, ScoreResponse, Contribution } from '../types.ts';
import { SHA256 } from './features.ts';
import { type Row, rowFromCsv, rowFromObject } from './score-input.ts';

/** Rows per run of a dashboard model: one app, or the few hundred variants occlusion scores. */
const BATCH_ROWS = 256;

/**
 * One ModelHolder per model and alias, made on first use, as the API holds its models: every request re-resolves the
 * alias (cheap), a moved alias loads the new version, and the old session is released once its queued rows are scored.
 */
class DashboardModels {
  private readonly holders = new Map<string, Promise<ModelHolder>>();

  constructor(private readonly r: DashboardResources) {}

  private holder(name: string, alias: string): Promise<ModelHolder> {
    const key = JSON.stringify([name, alias]);
    let h = this.holders.get(key);
    if (!h) {
      h = this.r.tracking().then((t) => new ModelHolder({ source: new RegistryModelSource(t, name, false), name, alias, batcher: { maxRows: BATCH_ROWS, maxWaitMs: 0 } }));
      // A store that failed to open is retried by the next request.
      h.catch(() => this.holders.delete(key));
      this.holders.set(key, h);
    }
    return h;
  }

  /** The version the alias points at now; NOT_FOUND when it points nowhere. */
  async get(name: string, alias: string): Promise<Served> {
    const holder = await this.holder(name, alias);
    await holder.reload();
    return holder.serving();
  }

  /** Like get, but undefined when the model has no version with that alias (a fingerprint model is optional). */
  async find(name: string, alias: string): Promise<Served | undefined> {
    try {
      return await this.get(name, alias);
    } catch (e) {
      if (isDfpError(e) && e.code === 'NOT_FOUND') return undefined;
      throw e;
    }
  }

  async close(): Promise<void> {
    const holders = await Promise.allSettled(this.holders.values());
    await Promise.all(holders.map((h) => (h.status === 'fulfilled' ? h.value.close() : undefined)));
  }
}

/** What the Score page says of a loaded model. */
function infoOf(served: Served, alias: string): Omit<ScoreModelInfo, 'features'> {
  const { ref, metadata } = served.batcher.scorer;
  return { name: ref.name, alias, version: ref.version, run_id: metadata.run_id ?? '', kind: metadata.kind, threshold: metadata.threshold };
}

/** Scores one row and explains it with the model's own explainer (which may score more rows through the same queue). */
async function scoreRow(served: Served, x: Float32Array): Promise<{ score: number; top: Contribution[] }> {
  const { batcher } = served;
  const out = await batcher.submit((buf, off) => buf.set(x, off));
  const score = out.score;
  const top = await batcher.scorer.explainer.explain(x, out, (rows, n) => batcher.scoreRows(rows, n));
  return { score, top };
}

/** The fingerprint model's anomaly score of the row, with the explanation its outputs give (z-scores). */
async function fingerprintOf(fp: Served, alias: string, x: Float32Array): Promise<FingerprintScore> {
  const out = await fp.batcher.submit((buf, off) => buf.set(x, off));
  const scorer = fp.batcher.scorer;
  const info = infoOf(fp, alias);
  return {
    score: out.score,
    is_anomalous: scorer.flagged(out.score),
    threshold: info.threshold,
    model: { name: info.name, version: info.version, alias, run_id: info.run_id, kind: info.kind },
    top_features: scorer.explainer.fromOutputs(out) ?? [],
  };
}

async function lookup(r: DashboardResources, sha: string): Promise<Row> {
  if (!SHA256.test(sha)) throw new DfpError('USAGE', `'${sha}' is not a sha256 (64 hex digits)`);
  const service = new OnlineFeatureService(await r.store(), new RegistryStore(r.config.workspace).load());
  const got = await service.getOne(sha.toLowerCase(), service.select({}));
  if (got.status === 'NOT_FOUND') throw new DfpError('NOT_FOUND', `app ${sha} is not in the online store; run \`dfp features materialize\` or paste its features`);
  if (got.status === 'OUTSIDE_MAX_AGE') throw new DfpError('NOT_FOUND', `the online features of app ${sha} are older than their TTL`);
  const row = rowFromObject(got.values);
  return { ...row, unknown: [] };
}

export function scoreRoutes(app: FastifyInstance, r: DashboardResources): void {
  const models = new DashboardModels(r);
  app.addHook('onClose', () => models.close());
  /** The verdict's model, and the fingerprint model's name when none was asked for (as /v1/score without ?model=). */
  const which = (q: unknown) => {
    const asked = str(q, 'model');
    const name = asked ?? r.config.serve.model;
    const fp = servedFingerprintModel(r.config.serve);
    return { name, alias: str(q, 'alias') ?? r.config.serve.alias, fingerprint: asked === undefined && fp !== name ? fp : undefined };
  };

  app.get('/api/ui/score/model', async (req): Promise<ScoreModelInfo> => {
    const { name, alias, fingerprint } = which(req.query);
    const served = await models.get(name, alias);
    const fp = fingerprint ? await models.find(fingerprint, alias) : undefined;
    return { ...infoOf(served, alias), features: [...FEATURE_COLUMNS], ...(fp ? { fingerprint: infoOf(fp, alias) } : {}) };
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
    const served = await models.get(name, alias);
    const info = infoOf(served, alias);
    const { score, top } = await scoreRow(served, row.x);
    const fp = fingerprint ? await models.find(fingerprint, alias) : undefined;
    return {
      score,
      is_malware: served.batcher.scorer.flagged(score),
      threshold: info.threshold,
      model: { name, version: info.version, alias, run_id: info.run_id, kind: info.kind },
      explanation: served.batcher.scorer.explainer.method,
      top_features: top,
      ...(sha ? { sha256: sha } : {}),
      missing_features: row.missing,
      unknown_fields: row.unknown,
      ...(fp ? { fingerprint: await fingerprintOf(fp, alias, row.x) } : {}),
    };
  });
}
