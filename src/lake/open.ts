// Opens the configured lake: picks the object store (local directory or S3) from config.lake and
// makes sure the default branch exists, so every caller gets a lake that has at least `main`.
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import type { ObjectStore } from '../core/lake/object-store.ts';
import type { VersionedLake } from '../core/lake/types.ts';
import { engineOptions } from '../engine/duckdb/connection.ts';
import { LocalObjectStore } from './backends/local/local-store.ts';
import { S3ObjectStore } from './backends/s3/s3-store.ts';
import { ObjectLake } from './repository.ts';

export function openStore(config: DfpConfig): ObjectStore {
  const lake = config.lake;
  if (lake.backend === 's3') {
    return new S3ObjectStore({
      bucket: lake.s3.bucket,
      prefix: lake.s3.prefix,
      region: lake.s3.region,
      endpoint: lake.s3.endpoint,
      accessKeyId: lake.s3.access_key_id,
      secretAccessKey: lake.s3.secret_access_key,
      forcePathStyle: lake.s3.force_path_style,
    });
  }
  return new LocalObjectStore(resolve(config.workspace, lake.path));
}

function defaultAuthor(): string {
  try {
    return process.env.USER || process.env.USERNAME || userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function openLake(config: DfpConfig): Promise<ObjectLake> {
  const lake = new ObjectLake({
    store: openStore(config),
    cacheDir: join(config.workspace, 'cache', 'lake-objects'),
    author: config.lake.author ?? defaultAuthor(),
    engine: engineOptions(config),
  });
  try {
    await lake.init(config.lake.default_branch);
  } catch (e) {
    await lake.close();
    throw e;
  }
  return lake;
}

export type { VersionedLake };
