// Test support: a scoring server over real models (model directories or an embedded registry) in a temp dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ModelSource } from '../../core/scoring/model-source.ts';
import type { OnlineFeatureService } from '../../features/online/service.ts';
import { EmbeddedStore } from '../../tracking/embedded/store.ts';
import { promote } from '../../core/tracking/champion.ts';
import { logModel } from '../../tracking/log-model.ts';
import { loadConfig } from '../../core/config/load.ts';
import { buildServeApp } from '../app.ts';
import { DriftMonitor } from '../drift.ts';
import type { Schedule } from '../../runtime/batcher.ts';
import { ServeMetrics } from '../metrics.ts';
import { ModelHolder } from '../../runtime/holder.ts';
import { DirectoryModelSource } from '../../runtime/sources/directory.ts';
import { RegistryModelSource } from '../../runtime/sources/registry.ts';
import { type ModelDirOptions, writeSampleModel } from './model.ts';

export const MODEL_NAME = 'fingerprint';

export interface Harness {
  dir: string;
  app: FastifyInstance;
  holder: ModelHolder;
  metrics: ServeMetrics;
  source: ModelSource;
  drift: DriftMonitor | undefined;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** 'dir': one model directory; 'registry': an embedded registry with the given versions, the first promoted to production. */
  source?: 'dir' | 'registry';
  models?: ModelDirOptions[];
  apiKey?: string;
  bodyLimit?: number;
  maxBatchItems?: number;
  online?: { service: OnlineFeatureService; featureService?: string };
  microBatchRows?: number;
  microBatchWaitMs?: number;
  /** Decides when a partial micro-batch goes (default: the maxWaitMs timer); see MicroBatcher. */
  microBatchSchedule?: Schedule;
  /** Skip loading a model (readiness tests). */
  noStart?: boolean;
  /** Live drift monitoring (GET /v1/drift) over the last `window` scored apps, in a workspace in the temp dir. */
  drift?: { window: number };
}

export async function registryWithModels(dir: string, models: ModelDirOptions[]): Promise<{ store: EmbeddedStore; versions: string[] }> {
  const store = new EmbeddedStore(join(dir, 'tracking'));
  const versions: string[] = [];
  for (const [i, m] of models.entries()) {
    const mdir = join(dir, `model-${i}`);
    await writeSampleModel(mdir, m);
    const run = await store.createRun({ experiment: 'serve-test' });
    const logged = await logModel(store, run.runId, mdir, { registeredModelName: MODEL_NAME });
    versions.push(logged.version!.version);
  }
  await promote(store, MODEL_NAME, versions[0]!, 'production');
  return { store, versions };
}

export async function startHarness(o: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'dfp-serve-test-'));
  const models = o.models ?? [{}];
  let source: ModelSource;
  if (o.source === 'registry') {
    const { store } = await registryWithModels(dir, models);
    source = new RegistryModelSource(store, MODEL_NAME);
  } else {
    await writeSampleModel(join(dir, 'model'), models[0]);
    source = new DirectoryModelSource(join(dir, 'model'), MODEL_NAME);
  }
  const metrics = new ServeMetrics();
  const drift = o.drift ? new DriftMonitor({ config: loadConfig({ env: { DFP_HOME: join(dir, 'workspace') }, overrides: [`drift.window=${o.drift.window}`] }).config, metrics }) : undefined;
  const holder = new ModelHolder({
    source,
    alias: 'production',
    batcher: {
      maxRows: o.microBatchRows ?? 64,
      maxWaitMs: o.microBatchWaitMs ?? 1,
      onBatch: (n) => metrics.batchRows.observe(n),
      ...(o.microBatchSchedule ? { schedule: o.microBatchSchedule } : {}),
    },
    onSwap: (next, prev) => metrics.modelSwapped('production', next, prev),
    ...(drift ? { onScored: (scorer, x, rows, out) => drift.observe('primary', scorer, x, rows, out) } : {}),
  });
  if (!o.noStart) await holder.start();
  const app = await buildServeApp({
    holder,
    metrics,
    ...(drift ? { drift } : {}),
    ...(o.online ? { online: o.online } : {}),
    ...(o.apiKey !== undefined ? { apiKey: o.apiKey } : {}),
    ...(o.bodyLimit ? { bodyLimit: o.bodyLimit } : {}),
    ...(o.maxBatchItems ? { maxBatchItems: o.maxBatchItems } : {}),
  });
  return {
    dir,
    app,
    holder,
    metrics,
    source,
    drift,
    close: async () => {
      await app.close();
      await holder.close();
      await source.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
