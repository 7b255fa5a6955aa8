// Liveness, readiness, Prometheus metrics and the model listing.
import type { FastifyInstance } from 'fastify';
import type { ServeMetrics } from '../metrics.ts';
import type { ModelHolder } from '../model-holder.ts';

export function opsRoutes(app: FastifyInstance, o: { holder: ModelHolder; metrics: ServeMetrics }): void {
  app.get('/healthz', { schema: { summary: 'Liveness: the process answers', tags: ['ops'] } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { summary: 'Readiness: 200 once a model is loaded, else 503', tags: ['ops'] } }, async (_req, reply) => {
    const cur = o.holder.current;
    if (!cur) return reply.code(503).send({ status: 'not ready', alias: o.holder.alias, ...(o.holder.lastError ? { reason: o.holder.lastError } : {}) });
    return { status: 'ready', alias: o.holder.alias, model: cur.batcher.scorer.ref };
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['ops'] } }, async (_req, reply) => {
    const text = await o.metrics.registry.metrics();
    return reply.type(o.metrics.registry.contentType).send(text);
  });

  app.get('/v1/models', { schema: { summary: 'The model being served and what the source offers', tags: ['models'] } }, async () => {
    const cur = o.holder.current;
    const serving = cur
      ? {
          ...cur.batcher.scorer.ref,
          kind: cur.batcher.scorer.metadata.kind,
          threshold: cur.batcher.scorer.metadata.threshold,
          source: cur.source,
          loaded_at: cur.loadedAt,
          metadata: cur.batcher.scorer.metadata.summary,
        }
      : null;
    return { alias: o.holder.alias, source: o.holder.opts.source.description, serving, models: await o.holder.opts.source.list() };
  });
}
