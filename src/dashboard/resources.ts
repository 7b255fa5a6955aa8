// The handles the dashboard API reads through — lake, tracking, online store — opened once on first use and closed with the server.
import { join } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import type { OnlineStore } from '../core/features/types.ts';
import type { Tracking } from '../core/tracking/index.ts';
import { type DuckDBConnection, engineOptions, openDuckDb, queryRows } from '../engine/duckdb/connection.ts';
import { openOnlineStore } from '../features/online/open.ts';
import { openLake } from '../lake/open.ts';
import type { ObjectLake } from '../lake/repository.ts';
import { openTracking } from '../tracking/open.ts';

export class DashboardResources {
  private lakeP: Promise<ObjectLake> | undefined;
  private trackingP: Promise<Tracking> | undefined;
  private storeP: Promise<OnlineStore> | undefined;
  private duckP: Promise<DuckDBConnection> | undefined;
  /** Queries on the one connection run one at a time. */
  private duckQueue: Promise<unknown> = Promise.resolve();

  constructor(readonly config: DfpConfig) {}

  /** Where downloaded run artifacts are cached (finished runs' artifacts never change). */
  get cacheDir(): string {
    return join(this.config.workspace, 'cache', 'ui');
  }

  // A failed open is forgotten so the next request retries (e.g. the store appears after `dfp features materialize`).
  lake(): Promise<ObjectLake> {
    this.lakeP ??= openLake(this.config).catch((e: unknown) => {
      this.lakeP = undefined;
      throw e;
    });
    return this.lakeP;
  }

  tracking(): Promise<Tracking> {
    this.trackingP ??= openTracking(this.config).catch((e: unknown) => {
      this.trackingP = undefined;
      throw e;
    });
    return this.trackingP;
  }

  store(): Promise<OnlineStore> {
    this.storeP ??= openOnlineStore(this.config).catch((e: unknown) => {
      this.storeP = undefined;
      throw e;
    });
    return this.storeP;
  }

  /** Runs a read query on a shared in-memory DuckDB (opening one costs ~100 ms, a preview query a few ms). */
  query(sql: string): Promise<Record<string, unknown>[]> {
    this.duckP ??= openDuckDb(engineOptions(this.config)).catch((e: unknown) => {
      this.duckP = undefined;
      throw e;
    });
    const conn = this.duckP;
    const run = this.duckQueue.catch(() => undefined).then(async () => queryRows(await conn, sql));
    this.duckQueue = run;
    return run;
  }

  async close(): Promise<void> {
    const settle = async <T>(p: Promise<T> | undefined, close: (x: T) => Promise<void> | undefined) => {
      if (!p) return;
      try {
        await close(await p);
      } catch {
        // never opened: nothing to close
      }
    };
    await Promise.all([
      settle(this.lakeP, (l) => l.close()),
      settle(this.trackingP, (t) => t.close()),
      settle(this.storeP, (s) => s.close()),
      settle(this.duckP, async (c) => {
        await this.duckQueue.catch(() => undefined);
        c.closeSync();
      }),
    ]);
  }
}
