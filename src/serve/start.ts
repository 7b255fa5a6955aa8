// Wires `dfp serve` from the config: model sources (registry or directory), online store, holders (the primary
// model and the fingerprint model beside it), app; one close().
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { type DfpConfig, servedFingerprintModel } from '../core/config/schema.ts';
import { isDfpError, messageOf } from '../core/errors.ts';
import type { OnlineStore } from '../core/features/types.ts';
import type { ModelSource } from '../core/scoring/model-source.ts';
import { openOnlineStore } from '../features/online/open.ts';
import { OnlineFeatureService } from '../features/online/service.ts';
import { RegistryStore } from '../features/registry/store.ts';
import { openTracking } from '../tracking/open.ts';
import { dashboardPlugin } from '../dashboard/plugin.ts';
import { buildServeApp } from './app.ts';
import { DriftMonitor } from './drift.ts';
import { ServeMetrics } from './metrics.ts';
import { type HolderOptions, ModelHolder } from '../runtime/holder.ts';
import { DirectoryModelSource } from '../runtime/sources/directory.ts';
import { RegistryModelSource } from '../runtime/sources/registry.ts';

export interface RunningServer {
  app: FastifyInstance;
  /** The primary model's holder (serve.model). */
  holder: ModelHolder;
  /** The fingerprint model's holder (serve.fingerprint_model), when one is configured. */
  fingerprint: ModelHolder | undefined;
  /** The static-only detector's holder (serve.static_model), answering POST /v1/score/apk, unless that is none. */
  apk: ModelHolder | undefined;
  url: string;
  docsUrl: string;
  /** Stops accepting, lets in-flight requests finish, releases sessions and stores. */
  close(): Promise<void>;
}

/**
 * Where the served models come from: a model directory (one model), or the registry — serve.model, and
 * serve.fingerprint_model beside it (servedFingerprintModel). The sources share one tracking store.
 */
export async function openModelSources(config: DfpConfig): Promise<{ primary: { name?: string; source: ModelSource }; fingerprint?: { name: string; source: ModelSource }; static?: { name: string; source: ModelSource } }> {
  const s = config.serve;
  if (s.model_dir) return { primary: { source: new DirectoryModelSource(s.model_dir) } };
  const tracking = await openTracking(config);
  const primary = { name: s.model, source: new RegistryModelSource(tracking, s.model) };
  const fp = servedFingerprintModel(s);
  // The static-only detector answers POST /v1/score/apk (serve.static_model; none: APK scoring off).
  const st = s.static_model === 'none' ? {} : { static: { name: s.static_model, source: new RegistryModelSource(tracking, s.static_model, false) } };
  if (!fp) return { primary, ...st };
  return { primary, fingerprint: { name: fp, source: new RegistryModelSource(tracking, fp, false) }, ...st };
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
  const sources = await openModelSources(config);
  const metrics = new ServeMetrics();
  const drift = new DriftMonitor({ config, metrics });
  const s = config.serve;
  const lastErrors = new Map<string, string>();
  const holderFor = (m: { name?: string; source: ModelSource }, role: 'primary' | 'fingerprint' | 'static') => {
    const opts: HolderOptions = {
      source: m.source,
      alias: s.alias,
      threads: s.threads,
      pollMs: s.poll_seconds * 1000,
      batcher: { maxRows: s.micro_batch_rows, maxWaitMs: s.micro_batch_wait_ms, onBatch: (n) => metrics.batchRows.observe(n) },
      // Drift compares what the primary and fingerprint models see with the primary's training data; APK scoring stays out.
      ...(role === 'static' ? {} : { onScored: (scorer, x, rows, out) => drift.observe(role, scorer, x, rows, out) }),
      onSwap: (next, prev) => {
        metrics.modelSwapped(s.alias, next, prev);
        o.log.info(`serving ${next.name} version ${next.version} (${role}, alias ${s.alias})${prev ? `, was version ${prev.version}` : ''}`);
      },
      onError: (e) => {
        const message = messageOf(e);
        if (role === 'primary') return o.log.error(`model load failed: ${message}`);
        // Optional, and re-polled: said once per distinct reason, as a warning.
        if (message === lastErrors.get(role)) return;
        lastErrors.set(role, message);
        o.log.warn(role === 'fingerprint' ? `fingerprint model not loaded (answers come without it): ${message}` : `static-only detector not loaded (POST /v1/score/apk answers 503): ${message}`);
      },
    };
    return new ModelHolder(m.name ? { ...opts, name: m.name } : opts);
  };
  const holder = holderFor(sources.primary, 'primary');
  const fingerprint = sources.fingerprint ? holderFor(sources.fingerprint, 'fingerprint') : undefined;
  const staticHolder = sources.static ? holderFor(sources.static, 'static') : undefined;
  const holders = [holder, ...(fingerprint ? [fingerprint] : []), ...(staticHolder ? [staticHolder] : [])];
  // The other sources borrow the primary's tracking store: closed first.
  const closeSources = async () => {
    await sources.static?.source.close();
    await sources.fingerprint?.source.close();
    await sources.primary.source.close();
  };
  let online: Awaited<ReturnType<typeof openOnline>>;
  try {
    online = await openOnline(config, o.log);
    await Promise.all(holders.map((h) => h.start()));
    const app = await buildServeApp({
      holder,
      ...(fingerprint ? { fingerprint } : {}),
      metrics,
      drift,
      ...(online ? { online: { service: online.service, ...(s.feature_service ? { featureService: s.feature_service } : {}) } } : {}),
      apiKey: s.api_key,
      bodyLimit: s.body_limit_bytes,
      apk: { ...(staticHolder ? { holder: staticHolder } : {}), limitBytes: s.apk_limit_bytes },
      maxBatchItems: s.max_batch_items,
      logger: o.log,
    });
    // The dashboard (pages at /, its data under /api/ui) rides on the same server and port.
    await app.register(dashboardPlugin, { config });
    const host = o.host ?? s.host;
    await app.listen({ host, port: o.port ?? s.port });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : (o.port ?? s.port);
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return {
      app,
      holder,
      fingerprint,
      apk: staticHolder,
      url,
      docsUrl: `${url}/docs`,
      close: async () => {
        await app.close();
        await Promise.all(holders.map((h) => h.close()));
        await closeSources();
        await online?.store.close();
      },
    };
  } catch (e) {
    await Promise.all(holders.map((h) => h.close()));
    await closeSources();
    await online?.store.close();
    throw e;
  }
}
