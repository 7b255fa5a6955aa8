// Opens the configured online store: the embedded SQLite file (default) or Redis, per store.online.
import { resolve } from 'node:path';
import type { DfpConfig } from '../../core/config/schema.ts';
import type { OnlineStore } from '../../core/features/types.ts';
import { SqliteOnlineStore } from './embedded/sqlite-store.ts';
import { RedisOnlineStore } from './redis/redis-store.ts';

export async function openOnlineStore(config: DfpConfig): Promise<OnlineStore> {
  if (config.store.online === 'redis') return RedisOnlineStore.connect({ url: config.store.redis_url, prefix: config.store.redis_key_prefix });
  return new SqliteOnlineStore(resolve(config.workspace, config.store.embedded_path));
}
