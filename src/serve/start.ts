// Wires `dfp serve` from the config: model source (registry or directory), online store, holder, app; one close().
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { DfpConfig } from '../core/config/schema.ts';
import { isDfpError, messageOf } from '../core/errors.ts';
import type { OnlineStore } from '../core/features/types.ts';
import type { ModelSource } from '../core/scoring/model-source.ts';
import { openOnlineStore } from '../features/online/open.ts';
import { OnlineFeatureService } from '../features/online/service.ts';
import { RegistryStore } from '../features/registry/store.ts';
import { openTracking } from '../tracking/open.ts';
import { uiPlugin } from '../ui/plugin.ts';
import { buildServeApp } from './app.ts';
import { ServeMetrics } from './metrics.ts';
import { ModelHolder } from './model-holder.ts';
import { DirectoryModelSource } from './sources/directory.ts';
import { RegistryModelSource } from './sources/registry.ts';

export interface RunningServer {
  app: FastifyInstance;
  holder: ModelHolder;
  url: string;
  docsUrl: string;
  /** Stops accepting, lets in-flight requests finish, releases sessions and stores. */
  close(): Promise<void>;
}

export async function openModelSource(config: DfpConfig): Promise<ModelSource> {
  if (config.serve.model_dir) return new DirectoryModelSource(config.serve.model_dir);
  return new RegistryModelSource(await openTracking(config), config.serve.model);
}

/** The online store when a feature registry is applied; lookups are off (and said so) otherwise. */
async function openOnline(config: DfpConfig, log: FastifyBaseLogger): Promise<{ store: OnlineStore; service: OnlineFeatureService } | undefined> {
  let applied;
  try {
    applied = new RegistryStore(config.workspace).load();
  } catch (e) {
    if (isDfpError(e) && e.code === 'NOT_FOUND') {
      log.warn(`{"sha256"} scoring is off: ${e.message}`);
      return undefined;
    }
    throw e;
  }
  const store = await openOnlineStore(config);
  return { store, service: new OnlineFeatureService(store, applied) };
}

export async function startServer(config: DfpConfig, o: { host?: string; port?: number; log: FastifyBaseLogger }): Promise<RunningServer> {
  const source = await openModelSource(config);
  const metrics = new ServeMetrics();
  const s = config.serve;
  const holder = new ModelHolder({
    source,
    alias: s.alias,
    threads: s.threads,
    pollMs: s.poll_seconds * 1000,
    batcher: { maxRows: s.micro_batch_rows, maxWaitMs: s.micro_batch_wait_ms, onBatch: (n) => metrics.batchRows.observe(n) },
    onSwap: (next, prev) => {
      metrics.modelSwapped(s.alias, next, prev);
      o.log.info(`serving ${next.name} version ${next.version} (alias ${s.alias})${prev ? `, was version ${prev.version}` : ''}`);
    },
    onError: (e) => o.log.error(`model load failed: ${messageOf(e)}`),
  });
  let online: Awaited<ReturnType<typeof openOnline>>;
  try {
    online = await openOnline(config, o.log);
    await holder.start();
    const app = await buildServeApp({
      holder,
      metrics,
      ...(online ? { online: { service: online.service, ...(s.feature_service ? { featureService: s.feature_service } : {}) } } : {}),
      apiKey: s.api_key,
      bodyLimit: s.body_limit_bytes,
      maxBatchItems: s.max_batch_items,
      logger: o.log,
    });
    // The dashboard (pages at /, its data under /api/ui) rides on the same server and port.
    await app.register(uiPlugin, { config });
    const host = o.host ?? s.host;
    await app.listen({ host, port: o.port ?? s.port });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : (o.port ?? s.port);
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return {
      app,
      holder,
      url,
      docsUrl: `${url}/docs`,
      close: async () => {
        await app.close();
        await holder.close();
        await source.close();
        await online?.store.close();
      },
    };
  } catch (e) {
    await holder.close();
    await source.close();
    await online?.store.close();
    throw e;
  }
}
