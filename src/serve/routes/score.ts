// POST /v1/score and /v1/score/batch: validate into the micro-batcher's buffer, await the batched run, shape results.
import type { FastifyInstance } from 'fastify';
import { ScoringInputError } from '../../core/scoring/errors.ts';
import { N_FEATURES } from '../../core/scoring/features.ts';
import { type ScoreResult, shapeResult } from '../../core/scoring/result.ts';
import { type AppRequest, FeatureValidator } from '../../core/scoring/validate.ts';
import type { RowResult } from '../batcher.ts';
import type { FeatureLookup } from '../lookup.ts';
import type { ServeMetrics } from '../metrics.ts';
import type { ModelHolder, Served } from '../model-holder.ts';
import { batchRouteSchema, scoreRouteSchema } from '../openapi.ts';

export interface ScoreRouteOptions {
  holder: ModelHolder;
  metrics: ServeMetrics;
  lookup: FeatureLookup | undefined;
  maxBatchItems: number;
}

/** Bodies are checked by FeatureValidator; the schemas are for the docs and the response serialiser only. */
const noSchemaValidation = () => () => true;

export function scoreRoutes(app: FastifyInstance, o: ScoreRouteOptions): void {
  const validator = new FeatureValidator();

  const finish = (served: Served, r: RowResult, sha256?: string, imputed?: number): ScoreResult => {
    const scorer = served.batcher.scorer;
    const res = shapeResult(r.score, r.errors, r.offset, scorer.metadata, scorer.ref);
    o.metrics.observeScore(scorer.ref, res.score, res.is_malware);
    if (sha256 !== undefined) res.sha256 = sha256;
    if (imputed !== undefined) res.imputed_features = imputed;
    return res;
  };

  const lookupRows = async (sha256s: string[]) => {
    if (!o.lookup) throw new ScoringInputError('sha256', 'no online feature store is configured on this server; send the app\'s features instead', 400, 'USAGE');
    return o.lookup.get(sha256s);
  };

  app.post('/v1/score', { schema: scoreRouteSchema, validatorCompiler: noSchemaValidation }, async (req) => {
    const body = req.body;
    const kind = validator.classify(body);
    if (kind.kind === 'lookup') {
      const found = await lookupRows([kind.sha256]);
      // Take the model after the lookup's await, so a swap meanwhile is honoured.
      const served = o.holder.serving();
      const r = await served.batcher.submit((buf, off) => buf.set(found.rows, off));
      return finish(served, r, kind.sha256, found.imputed[0]);
    }
    const served = o.holder.serving();
    const r = await served.batcher.submit((buf, off) => validator.fill(body as Record<string, unknown>, buf, off));
    return finish(served, r, kind.sha256);
  });

  app.post('/v1/score/batch', { schema: batchRouteSchema, validatorCompiler: noSchemaValidation }, async (req) => {
    const items = req.body;
    if (!Array.isArray(items)) throw new ScoringInputError('body', 'expected a JSON array of apps (or NDJSON with Content-Type: application/x-ndjson)');
    if (items.length === 0) throw new ScoringInputError('body', 'the batch is empty');
    if (items.length > o.maxBatchItems) throw new ScoringInputError('body', `at most ${o.maxBatchItems} apps per batch (serve.max_batch_items), got ${items.length}`, 413, 'INPUT_INVALID');
    // Validate everything first, so a bad item fails the batch before any row is queued.
    const rows = new Float32Array(items.length * N_FEATURES);
    const kinds: AppRequest[] = items.map((item, i) => {
      try {
        const k = validator.classify(item);
        if (k.kind === 'features') validator.fill(item as Record<string, unknown>, rows, i * N_FEATURES);
        return k;
      } catch (e) {
        throw e instanceof ScoringInputError ? e.at(i) : e;
      }
    });
    const lookupIdx = kinds.flatMap((k, i) => (k.kind === 'lookup' ? [i] : []));
    const imputed = new Map<number, number>();
    if (lookupIdx.length > 0) {
      let found;
      try {
        found = await lookupRows(lookupIdx.map((i) => kinds[i]!.sha256!));
      } catch (e) {
        // Name the item: the lookup throws for the first unknown app.
        if (e instanceof ScoringInputError && e.status === 404) {
          const sha = /app ([0-9a-f]{64})/.exec(e.message)?.[1];
          const i = lookupIdx.find((j) => kinds[j]!.sha256 === sha) ?? lookupIdx[0]!;
          throw e.at(i);
        }
        throw e;
      }
      lookupIdx.forEach((i, n) => {
        rows.set(found.rows.subarray(n * N_FEATURES, (n + 1) * N_FEATURES), i * N_FEATURES);
        imputed.set(i, found.imputed[n]!);
      });
    }
    const served = o.holder.serving();
    const pending = items.map((_, i) => served.batcher.submit((buf, off) => buf.set(rows.subarray(i * N_FEATURES, (i + 1) * N_FEATURES), off)));
    const out = await Promise.all(pending);
    return { results: out.map((r, i) => finish(served, r, kinds[i]!.sha256, imputed.get(i))) };
  });
}
