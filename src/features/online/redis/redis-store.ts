// The Redis online store: one hash per entity and view, `<prefix>:<view>:<sha256>`, a field per feature
// plus `__ts` (event time, epoch ms). A read is one HMGET per key, all keys in one pipeline.
import { Redis } from 'ioredis';
import { DfpError, messageOf } from '../../../core/errors.ts';
import type { OnlineReadResult, OnlineStore, OnlineWriteBatch } from '../../../core/features/types.ts';

export const TS_FIELD = '__ts';
/** Rows per pipeline when writing: big enough to amortise round trips, small enough to bound memory. */
const WRITE_CHUNK = 500;

export interface RedisStoreOptions {
  url: string;
  prefix: string;
}

export class RedisOnlineStore implements OnlineStore {
  readonly kind = 'redis' as const;
  readonly location: string;
  private readonly prefix: string;
  /** HMGET field lists per requested feature list, so a hot read builds no arrays. */
  private readonly fieldCache = new Map<string, string[]>();

  private constructor(
    private readonly redis: Redis,
    opts: RedisStoreOptions,
  ) {
    this.prefix = opts.prefix;
    this.location = `${opts.url} (keys ${opts.prefix}:*)`;
  }

  static async connect(opts: RedisStoreOptions): Promise<RedisOnlineStore> {
    const redis = new Redis(opts.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 2,
      // Reconnect after a drop, but not forever: a dead server surfaces as an error within seconds.
      retryStrategy: (times) => (times > 5 ? null : Math.min(times * 200, 1000)),
    });
    redis.on('error', () => undefined); // reported through the failing command instead
    try {
      await redis.connect();
    } catch (e) {
      redis.disconnect();
      throw new DfpError('NETWORK', `cannot reach Redis at ${opts.url}: ${messageOf(e)}; start redis-server or set store.online=embedded`, { url: opts.url }, { cause: e });
    }
    return new RedisOnlineStore(redis, opts);
  }

  key(view: string, entity: string): string {
    return `${this.prefix}:${view}:${entity}`;
  }

  async write(view: string, batch: OnlineWriteBatch): Promise<void> {
    const { features } = batch;
    for (let start = 0; start < batch.entities.length; start += WRITE_CHUNK) {
      const pipe = this.redis.pipeline();
      const end = Math.min(start + WRITE_CHUNK, batch.entities.length);
      for (let i = start; i < end; i++) {
        const key = this.key(view, batch.entities[i]!);
        const row = batch.values[i]!;
        const args: (string | number)[] = [TS_FIELD, batch.eventTimestamps[i]!];
        const nulls: string[] = [];
        for (let j = 0; j < features.length; j++) {
          const v = row[j];
          if (v === null || v === undefined) nulls.push(features[j]!);
          else args.push(features[j]!, v);
        }
        pipe.hset(key, ...args);
        // A value that became null must not keep its old number.
        if (nulls.length) pipe.hdel(key, ...nulls);
      }
      await this.exec(pipe, `writing ${view}`);
    }
  }

  private async exec(pipe: ReturnType<Redis['pipeline']>, what: string): Promise<[Error | null, unknown][]> {
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipe.exec();
    } catch (e) {
      throw new DfpError('NETWORK', `Redis ${this.location}: ${what} failed: ${messageOf(e)}`, undefined, { cause: e });
    }
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw new DfpError('STORAGE', `Redis ${this.location}: ${what} failed: ${messageOf(failed?.[0] ?? 'no reply')}`);
    return results;
  }

  private fields(features: readonly string[]): string[] {
    const id = features.join('\u0000');
    let fields = this.fieldCache.get(id);
    if (!fields) {
      fields = [...features, TS_FIELD];
      if (this.fieldCache.size > 1000) this.fieldCache.clear();
      this.fieldCache.set(id, fields);
    }
    return fields;
  }

  async read(view: string, entities: readonly string[], features: readonly string[]): Promise<OnlineReadResult> {
    const fields = this.fields(features);
    const n = features.length;
    const eventTimestamps = new Array<number | null>(entities.length);
    const values = new Array<(number | null)[] | null>(entities.length);
    let replies: (string | null)[][];
    if (entities.length === 1) {
      // One key: a plain command skips the pipeline's bookkeeping.
      try {
        replies = [await this.redis.hmget(this.key(view, entities[0]!), ...fields)];
      } catch (e) {
        throw new DfpError('NETWORK', `Redis ${this.location}: reading ${view} failed: ${messageOf(e)}`, undefined, { cause: e });
      }
    } else {
      const pipe = this.redis.pipeline();
      for (const entity of entities) pipe.hmget(this.key(view, entity), ...fields);
      replies = (await this.exec(pipe, `reading ${view}`)).map((r) => r[1] as (string | null)[]);
    }
    for (let i = 0; i < entities.length; i++) {
      const reply = replies[i]!;
      const ts = reply[n];
      if (ts === null || ts === undefined) {
        eventTimestamps[i] = null;
        values[i] = null;
        continue;
      }
      eventTimestamps[i] = Number(ts);
      const row = new Array<number | null>(n);
      for (let j = 0; j < n; j++) {
        const s = reply[j];
        row[j] = s === null || s === undefined ? null : Number(s);
      }
      values[i] = row;
    }
    return { eventTimestamps, values };
  }

  async clearView(view: string): Promise<number> {
    let removed = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}:${view}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) removed += await this.redis.unlink(...keys);
    } while (cursor !== '0');
    return removed;
  }

  private metaKey(key: string): string {
    return `${this.prefix}:__meta__:${key}`;
  }

  async getMeta(key: string): Promise<string | null> {
    return this.redis.get(this.metaKey(key));
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.redis.set(this.metaKey(key), value);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
