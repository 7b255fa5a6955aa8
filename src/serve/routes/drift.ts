// GET /v1/drift: the most recent scored apps against the verdict model's training data (src/serve/drift.ts), in the
// document shape of `dfp drift --json`.
import type { FastifyInstance } from 'fastify';
import type { DriftMonitor } from '../drift.ts';
import type { ServedModels } from '../model-set.ts';

export function driftRoutes(app: FastifyInstance, o: { models: ServedModels; drift: DriftMonitor }): void {
  app.get(
    '/v1/drift',
    {
      schema: {
        summary:
          'Drift of the most recent scored apps (drift.window of them) from the training data of the verdict model (serve.model): per feature, per group and in the scores of the served models; the document of `dfp drift --json`. 409 until drift.window has at least 20 apps.',
        tags: ['models'],
      },
    },
    async () => o.drift.report(o.models.primary.serving().batcher.scorer, o.models.fingerprintServing()?.batcher.scorer),
  );
}
