// The handles the dashboard API reads through — lake, tracking, online store — opened once on first use and closed with the server.
import { join } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import type { OnlineStore } from '../core/features/types.ts';
import type { Tracking } from '../core/tracking/index.ts';
import { openOnlineStore } from '../features/online/open.ts';
import { openLake } from '../lake/open.ts';
import type { ObjectLake } from '../lake/repository.ts';
import { openTracking } from '../tracking/open.ts';

export class UiResources {
  private lakeP: Promise<ObjectLake> | undefined;
  private trackingP: Promise<Tracking> | undefined;
  private storeP: Promise<OnlineStore> | undefined;

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

  async close(): Promise<void> {
    const settle = async <T>(p: Promise<T> | undefined, close: (x: T) => Promise<void> | undefined) => {
      if (!p) return;
      try {
        await close(await p);
      } catch {
        // never opened: nothing to close
      }
    };
    await Promise.all([settle(this.lakeP, (l) => l.close()), settle(this.trackingP, (t) => t.close()), settle(this.storeP, (s) => s.close())]);
  }
}
