// POST /v1/score and /v1/score/batch: validate into the micro-batcher's buffer, await the batched run, shape results.
// By default the primary model (serve.model) gives the verdict and the fingerprint model, when loaded, adds its
// anomaly score beside it; `?model=<name>` asks one served model alone.
import type { FastifyInstance } from 'fastify';
import { ScoringInputError } from '../../core/scoring/errors.ts';
import { N_FEATURES } from '../../core/scoring/features.ts';
import { type ScoreResult, shapeFingerprint, shapeResult } from '../../core/scoring/result.ts';
import { type AppRequest, FeatureValidator, type Passthrough } from '../../core/scoring/validate.ts';
import type { RowResult } from '../../runtime/batcher.ts';
import type { FeatureLookup } from '../lookup.ts';
import type { ServeMetrics } from '../metrics.ts';
import type { Served } from '../../runtime/holder.ts';
import type { ServedModels } from '../model-set.ts';
import { batchRouteSchema, scoreRouteSchema } from '../openapi.ts';

export interface ScoreRouteOptions {
  models: ServedModels;
  metrics: ServeMetrics;
  lookup: FeatureLookup | undefined;
  maxBatchItems: number;
}

/** Bodies are checked by FeatureValidator; the schemas are for the docs and the response serialiser only. */
const noSchemaValidation = () => () => true;

/** The models that answer one request: the verdict's, and the fingerprint model's beside it (default requests only). */
interface Target {
  verdict: Served;
  fingerprint: Served | undefined;
}

/** What a result echoes of its request. */
interface Echo {
  sha256?: string | undefined;
  imputed?: number | undefined;
  passthrough?: Passthrough | undefined;
}

export function scoreRoutes(app: FastifyInstance, o: ScoreRouteOptions): void {
  const validator = new FeatureValidator();
  // One app's row when it goes to two models: validated here once, then copied into each batcher's buffer.
  const row = new Float32Array(N_FEATURES);

  const target = (query: unknown): Target => {
    const asked = (query as Record<string, unknown> | undefined)?.model;
    if (asked === undefined || asked === '') return { verdict: o.models.primary.serving(), fingerprint: o.models.fingerprintServing() };
    if (typeof asked !== 'string') throw new ScoringInputError('model', '?model= takes one model name');
    return { verdict: o.models.pick(asked).serving(), fingerprint: undefined };
  };

  const observe = (served: Served, score: number, flagged: boolean) => o.metrics.observeScore(served.batcher.scorer.ref, score, flagged);

  const finish = (t: Target, r: RowResult, f: RowResult | undefined, echo: Echo): ScoreResult => {
    const scorer = t.verdict.batcher.scorer;
    const res = shapeResult(r, scorer);
    observe(t.verdict, res.score, res.is_malware);
    if (echo.sha256 !== undefined) res.sha256 = echo.sha256;
    if (echo.imputed !== undefined) res.imputed_features = echo.imputed;
    if (f && t.fingerprint) {
      const fs = t.fingerprint.batcher.scorer;
      res.fingerprint = shapeFingerprint(f, fs);
      observe(t.fingerprint, res.fingerprint.score, res.fingerprint.is_anomalous);
    }
    return echo.passthrough ? Object.assign(res, echo.passthrough) : res;
  };

  /** Queues a validated row (`x` at `at`) on every model of the target. */
  const submitRow = (t: Target, x: Float32Array, at: number): [Promise<RowResult>, Promise<RowResult> | undefined] => {
    const copy = (buf: Float32Array, off: number) => buf.set(x.subarray(at, at + N_FEATURES), off);
    return [t.verdict.batcher.submit(copy), t.fingerprint?.batcher.submit(copy)];
  };

  const lookupRows = async (sha256s: string[]) => {
    if (!o.lookup) throw new ScoringInputError('sha256', 'no online feature store is configured on this server; send the app\'s features instead', 400, 'USAGE');
    return o.lookup.get(sha256s);
  };

  /** Validates a features body into `out` at `at`, naming the model that needs what is missing; its passthrough values. */
  const fillRow = (body: Record<string, unknown>, out: Float32Array, at: number, t: Target): Passthrough | undefined =>
    validator.fill(body, out, at, t.verdict.batcher.scorer.ref.name) > 0 ? validator.passthrough(body) : undefined;

  app.post('/v1/score', { schema: scoreRouteSchema, validatorCompiler: noSchemaValidation }, async (req) => {
    const body = req.body;
    const kind = validator.classify(body);
    const b = body as Record<string, unknown>;
    if (kind.kind === 'lookup') {
      const passthrough = validator.passthrough(b);
      const found = await lookupRows([kind.sha256]);
      // Take the models after the lookup's await, so a swap meanwhile is honoured.
      const t = target(req.query);
      const [r, f] = submitRow(t, found.rows, 0);
      return finish(t, await r, f && (await f), { sha256: kind.sha256, imputed: found.imputed[0], passthrough });
    }
    const t = target(req.query);
    let passthrough: Passthrough | undefined;
    if (!t.fingerprint) {
      // One model: validate straight into its batch buffer.
      const r = await t.verdict.batcher.submit((buf, off) => (passthrough = fillRow(b, buf, off, t)));
      return finish(t, r, undefined, { sha256: kind.sha256, passthrough });
    }
    passthrough = fillRow(b, row, 0, t);
    const [r, f] = submitRow(t, row, 0);
    return finish(t, await r, await f, { sha256: kind.sha256, passthrough });
  });

  app.post('/v1/score/batch', { schema: batchRouteSchema, validatorCompiler: noSchemaValidation }, async (req) => {
    const items = req.body;
    if (!Array.isArray(items)) throw new ScoringInputError('body', 'expected a JSON array of apps (or NDJSON with Content-Type: application/x-ndjson)');
    if (items.length === 0) throw new ScoringInputError('body', 'the batch is empty');
    if (items.length > o.maxBatchItems) throw new ScoringInputError('body', `at most ${o.maxBatchItems} apps per batch (serve.max_batch_items), got ${items.length}`, 413, 'INPUT_INVALID');
    // The models are taken now for the message of a missing feature, and again after any lookup's await.
    let t = target(req.query);
    // Validate everything first, so a bad item fails the batch before any row is queued.
    const rows = new Float32Array(items.length * N_FEATURES);
    const passthrough: (Passthrough | undefined)[] = [];
    const kinds: AppRequest[] = items.map((item, i) => {
      try {
        const k = validator.classify(item);
        const b = item as Record<string, unknown>;
        passthrough[i] = k.kind === 'features' ? fillRow(b, rows, i * N_FEATURES, t) : validator.passthrough(b);
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
      t = target(req.query);
    }
    const pending = items.map((_, i) => submitRow(t, rows, i * N_FEATURES));
    const verdicts = await Promise.all(pending.map((p) => p[0]));
    const fingerprints = t.fingerprint ? await Promise.all(pending.map((p) => p[1]!)) : [];
    return { results: verdicts.map((r, i) => finish(t, r, fingerprints[i], { sha256: kinds[i]!.sha256, imputed: imputed.get(i), passthrough: passthrough[i] })) };
  });
}
