// The embedded online store: one SQLite file in the workspace (better-sqlite3), no server. WAL mode lets
// `dfp features materialize` write while a feature server reads. A row holds one entity's latest values
// for one view as a JSON array in a stored layout (the ordered feature list, kept once per layout).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { DfpError, messageOf } from '../../../core/errors.ts';
import type { OnlineReadResult, OnlineStore, OnlineWriteBatch } from '../../../core/features/types.ts';
import { isIdentity, layoutId, positions } from '../layout.ts';

interface Row {
  ts: number;
  layout: string;
  vals: string;
}

export class SqliteOnlineStore implements OnlineStore {
  readonly kind = 'embedded' as const;
  readonly location: string;
  private readonly db: Database.Database;
  private readonly layouts = new Map<string, readonly string[]>();
  private readonly positionCache = new Map<string, Int32Array>();
  private readonly stmt: {
    get: Database.Statement<[string, string], Row>;
    put: Database.Statement<[string, string, number, string, string]>;
    putLayout: Database.Statement<[string, string]>;
    getLayout: Database.Statement<[string], { features: string }>;
    clear: Database.Statement<[string]>;
    getMeta: Database.Statement<[string], { value: string }>;
    setMeta: Database.Statement<[string, string]>;
  };

  constructor(file: string) {
    this.location = file;
    try {
      mkdirSync(dirname(file), { recursive: true });
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      // NORMAL is durable across process crashes in WAL mode; only an OS crash may lose the last commit.
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS layouts (id TEXT PRIMARY KEY, features TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS feature_rows (
          view TEXT NOT NULL, entity TEXT NOT NULL, ts INTEGER NOT NULL, layout TEXT NOT NULL, vals TEXT NOT NULL,
          PRIMARY KEY (view, entity)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`);
    } catch (e) {
      throw new DfpError('STORAGE', `cannot open the embedded online store ${file}: ${messageOf(e)}`, { file }, { cause: e });
    }
    this.stmt = {
      get: this.db.prepare('SELECT ts, layout, vals FROM feature_rows WHERE view = ? AND entity = ?'),
      put: this.db.prepare('INSERT OR REPLACE INTO feature_rows (view, entity, ts, layout, vals) VALUES (?, ?, ?, ?, ?)'),
      putLayout: this.db.prepare('INSERT OR IGNORE INTO layouts (id, features) VALUES (?, ?)'),
      getLayout: this.db.prepare('SELECT features FROM layouts WHERE id = ?'),
      clear: this.db.prepare('DELETE FROM feature_rows WHERE view = ?'),
      getMeta: this.db.prepare('SELECT value FROM meta WHERE key = ?'),
      setMeta: this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
    };
  }

  async write(view: string, batch: OnlineWriteBatch): Promise<void> {
    const id = layoutId(batch.features);
    const run = this.db.transaction(() => {
      this.stmt.putLayout.run(id, JSON.stringify(batch.features));
      for (let i = 0; i < batch.entities.length; i++) {
        this.stmt.put.run(view, batch.entities[i]!, batch.eventTimestamps[i]!, id, JSON.stringify(batch.values[i]));
      }
    });
    run();
  }

  private layout(id: string): readonly string[] {
    let features = this.layouts.get(id);
    if (!features) {
      const row = this.stmt.getLayout.get(id);
      if (!row) throw new DfpError('STORAGE', `embedded online store ${this.location}: layout ${id} is missing`, { layout: id });
      features = JSON.parse(row.features) as string[];
      this.layouts.set(id, features);
    }
    return features;
  }

  private positionsFor(id: string, requested: readonly string[]): Int32Array {
    const key = `${id}\u0000${requested.join('\u0000')}`;
    let pos = this.positionCache.get(key);
    if (!pos) {
      pos = positions(this.layout(id), requested);
      if (this.positionCache.size > 1000) this.positionCache.clear();
      this.positionCache.set(key, pos);
    }
    return pos;
  }

  async read(view: string, entities: readonly string[], features: readonly string[]): Promise<OnlineReadResult> {
    const eventTimestamps: (number | null)[] = new Array<number | null>(entities.length);
    const values: ((number | null)[] | null)[] = new Array<(number | null)[] | null>(entities.length);
    for (let i = 0; i < entities.length; i++) {
      const row = this.stmt.get.get(view, entities[i]!);
      if (!row) {
        eventTimestamps[i] = null;
        values[i] = null;
        continue;
      }
      eventTimestamps[i] = row.ts;
      const stored = JSON.parse(row.vals) as (number | null)[];
      const pos = this.positionsFor(row.layout, features);
      if (isIdentity(pos, stored.length)) values[i] = stored;
      else {
        const picked = new Array<number | null>(pos.length);
        for (let j = 0; j < pos.length; j++) picked[j] = pos[j]! < 0 ? null : (stored[pos[j]!] ?? null);
        values[i] = picked;
      }
    }
    return { eventTimestamps, values };
  }

  async clearView(view: string): Promise<number> {
    return this.stmt.clear.run(view).changes;
  }

  async getMeta(key: string): Promise<string | null> {
    return this.stmt.getMeta.get(key)?.value ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.stmt.setMeta.run(key, value);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
