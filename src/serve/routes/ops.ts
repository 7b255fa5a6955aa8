// Liveness, readiness (the primary model), Prometheus metrics and the listing of every served model.
import type { FastifyInstance } from 'fastify';
import { metadataSummary } from '../../core/ml/models/metadata.ts';
import type { ServeMetrics } from '../metrics.ts';
import type { ModelHolder } from '../../runtime/holder.ts';
import type { ServedModels } from '../model-set.ts';

/** What GET /v1/models says of one loaded model. */
function describe(holder: ModelHolder, role: string) {
  const cur = holder.current;
  if (!cur) return undefined;
  const scorer = cur.batcher.scorer;
  return {
    ...scorer.ref,
    role,
    alias: holder.alias,
    kind: scorer.metadata.kind,
    threshold: scorer.metadata.threshold,
    source: cur.source,
    loaded_at: cur.loadedAt,
    metadata: metadataSummary(scorer.metadata),
  };
}

export function opsRoutes(app: FastifyInstance, o: { models: ServedModels; metrics: ServeMetrics }): void {
  const primary = o.models.primary;
  app.get('/healthz', { schema: { summary: 'Liveness: the process answers', tags: ['ops'] } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { summary: 'Readiness: 200 once the primary model (serve.model) is loaded, else 503', tags: ['ops'] } }, async (_req, reply) => {
    const cur = primary.current;
    if (!cur) return reply.code(503).send({ status: 'not ready', alias: primary.alias, ...(primary.name ? { model: primary.name } : {}), ...(primary.lastError ? { reason: primary.lastError } : {}) });
    // The companions never hold readiness back: their answers are optional (the fingerprint beside a verdict, APK scoring).
    const companion = (h: ModelHolder | undefined) => (h ? (h.current?.batcher.scorer.ref ?? { name: h.name ?? null, loaded: false, ...(h.lastError ? { reason: h.lastError } : {}) }) : undefined);
    const fingerprint = companion(o.models.fingerprint);
    const staticModel = companion(o.models.staticOnly);
    return { status: 'ready', alias: primary.alias, model: cur.batcher.scorer.ref, ...(fingerprint ? { fingerprint } : {}), ...(staticModel ? { static: staticModel } : {}) };
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['ops'] } }, async (_req, reply) => {
    const text = await o.metrics.registry.metrics();
    return reply.type(o.metrics.registry.contentType).send(text);
  });

  app.get(
    '/v1/models',
    { schema: { summary: 'The models being served (the primary, whose verdict answers /v1/score, the fingerprint model beside it, the static-only detector of /v1/score/apk) and what the sources offer', tags: ['models'] } },
    async () => {
      const all = o.models.all;
      const loaded = all.flatMap((m) => describe(m.holder, m.role) ?? []);
      const not_loaded = all.filter((m) => !m.holder.current).map((m) => ({ name: m.holder.name ?? null, role: m.role, alias: m.holder.alias, reason: m.holder.lastError ?? 'not loaded yet' }));
      const listings = (await Promise.all(all.map((m) => m.holder.opts.source.list()))).flat();
      return {
        alias: primary.alias,
        source: primary.opts.source.description,
        primary: primary.name ?? null,
        fingerprint: o.models.fingerprint ? (o.models.fingerprint.name ?? null) : null,
        static: o.models.staticOnly ? (o.models.staticOnly.name ?? null) : null,
        serving: describe(primary, 'primary') ?? null,
        loaded,
        not_loaded,
        models: listings,
      };
    },
  );
}
