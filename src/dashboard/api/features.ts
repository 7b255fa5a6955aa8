// /api/ui/features: the applied registry with each view's online-store freshness, and one app's online values.
import type { FastifyInstance } from 'fastify';
import { DfpError } from '../../core/errors.ts';
import { materializationStates } from '../../features/materialize/materialize.ts';
import { OnlineFeatureService } from '../../features/online/service.ts';
import { RegistryStore } from '../../features/registry/store.ts';
import type { DashboardResources } from '../resources.ts';
import type { AppFeatures, FeaturesOverview } from '../types.ts';

export const SHA256 = /^[0-9a-fA-F]{64}$/;

export function featureRoutes(app: FastifyInstance, r: DashboardResources): void {
  app.get('/api/ui/features', async (): Promise<FeaturesOverview> => {
    const applied = new RegistryStore(r.config.workspace).load();
    const store = await r.store();
    const states = await materializationStates(store, applied);
    return {
      version: applied.version,
      applied_at: applied.applied_at,
      lake_ref: applied.lake_ref,
      lake_commit: applied.lake_commit,
      store: { kind: store.kind, location: store.location },
      views: applied.registry.views.map((v) => {
        const s = states[v.name];
        return {
          name: v.name,
          source: v.source,
          features: v.features.length,
          ttl_seconds: v.ttl_seconds,
          entities: s?.entities ?? null,
          watermark: s?.watermark ?? null,
          materialized_at: s?.materialized_at ?? null,
          lake_commit: s?.lake_commit ?? null,
        };
      }),
      services: applied.registry.feature_services.map((s) => ({ name: s.name, features: s.features.length })),
    };
  });

  app.get<{ Params: { sha256: string } }>('/api/ui/features/apps/:sha256', async (req): Promise<AppFeatures> => {
    const sha = req.params.sha256;
    if (!SHA256.test(sha)) throw new DfpError('USAGE', `'${sha}' is not a sha256 (64 hex digits)`);
    const applied = new RegistryStore(r.config.workspace).load();
    const service = new OnlineFeatureService(await r.store(), applied);
    return service.getOne(sha.toLowerCase(), service.select({}));
  });
}
