/**
 * @module `openTracking(config)`: the embedded store by default; MLflow (with the local outbox) when
 * tracking.uri or MLFLOW_TRACKING_URI is an http(s) URL.
 */
import { resolve } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError } from '../core/errors.ts';
import type { Tracking } from '../core/tracking/index.ts';
import { EmbeddedStore } from './embedded/store.ts';
import { MlflowStore } from './mlflow/store.ts';
import { MirroredTracking } from './outbox.ts';

export interface OpenTrackingOptions {
  env?: NodeJS.ProcessEnv;
  /** Where the outbox warning goes (default: stderr). */
  warn?: (message: string) => void;
}

/** The tracking URI in effect: the config key wins over MLFLOW_TRACKING_URI; '' means embedded. */
export function trackingUri(config: DfpConfig, env: NodeJS.ProcessEnv = process.env): string {
  return (config.tracking.uri || env.MLFLOW_TRACKING_URI || '').trim();
}

export function embeddedDir(config: DfpConfig): string {
  return resolve(config.workspace, config.tracking.path);
}

export async function openTracking(config: DfpConfig, opts: OpenTrackingOptions = {}): Promise<Tracking> {
  const env = opts.env ?? process.env;
  const uri = trackingUri(config, env);
  const local = new EmbeddedStore(embeddedDir(config));
  if (uri === '' || uri === 'embedded') return local;
  if (!/^https?:\/\//.test(uri)) {
    await local.close();
    throw new DfpError('CONFIG_INVALID', `tracking.uri '${uri}' is not supported: leave it empty for the embedded store or give an MLflow server URL (http://host:5000)`, {
      key: 'tracking.uri',
    });
  }
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`dfp: warning: ${m}\n`));
  return new MirroredTracking(local, new MlflowStore({ url: uri, timeoutMs: config.tracking.timeout_ms, env }), warn);
}

