// Test support: the one behaviour suite every object store and the lake over it must pass. The local
// and S3 test files call it with their own store factory, so both backends are held to the same rules.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DfpError } from '../../core/errors.ts';
import type { DuckDBConnection } from '../../engine/duckdb/connection.ts';
import { literal, openDuckDb, queryRows } from '../../engine/duckdb/connection.ts';
import { PAUSE_MARKER, type PausePoint } from '../pause-point.ts';
import { ObjectLake } from '../repository.ts';
import { type StoreSpec, storeFromSpec } from './store-spec.ts';

export interface ContractEnv {
  /** A spec for a new, empty store (fresh folder or prefix) on every call. */
  freshSpec(): StoreSpec;
  /** Crash points that exist for this backend. */
  killPoints: PausePoint[];
}

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'commit-child.ts');
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

export class Fixtures {
  readonly dir = mkdtempSync(join(tmpdir(), 'dfp-lake-test-'));
  private conn: Promise<DuckDBConnection> | undefined;

  duck(): Promise<DuckDBConnection> {
    this.conn ??= openDuckDb();
    return this.conn;
  }

  /** Writes the result of a query as a Parquet file and returns its path. */
  async parquet(name: string, sql: string): Promise<string> {
    const file = join(this.dir, `${name}.parquet`);
    await (await this.duck()).run(`COPY (${sql}) TO ${literal(file)} (FORMAT parquet)`);
    return file;
  }

  async rows(file: string, orderBy = 'sha256'): Promise<Record<string, unknown>[]> {
    return queryRows(await this.duck(), `SELECT * FROM read_parquet(${literal(file)}) ORDER BY ${orderBy}`);
  }

  async count(file: string): Promise<number> {
    const [r] = await queryRows<{ n: number }>(await this.duck(), `SELECT count(*)::BIGINT AS n FROM read_parquet(${literal(file)})`);
    return r?.n ?? -1;
  }

  lake(spec: StoreSpec): ObjectLake {
    return new ObjectLake({ store: storeFromSpec(spec), cacheDir: join(this.dir, 'cache'), author: 'tester' });
  }

  async close(): Promise<void> {
    if (this.conn) (await this.conn).closeSync();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Rows keyed k01..kNN with a value column, for diffs and time travel. */
export const keyed = (keys: number[], value: (k: number) => string) =>
  keys.length === 0
    ? `SELECT 'x' AS sha256, 'x' AS label WHERE false`
    : keys.map((k) => `SELECT 'k${String(k).padStart(2, '0')}' AS sha256, '${value(k)}' AS label`).join(' UNION ALL ');
export const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

export function expectDfp(code: string, check?: (e: DfpError) => void) {
  return (e: unknown) => {
    assert.ok(e instanceof DfpError, `expected DfpError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    check?.(e);
    return true;
  };
}

export async function objectStoreContract(t: TestContext, env: ContractEnv): Promise<void> {
  const fx = new Fixtures();
  t.after(() => fx.close());

  await t.test('get/put/exists/list/delete', async () => {
    const store = storeFromSpec(env.freshSpec());
    assert.equal(await store.get('a/b.json'), null);
    assert.equal(await store.exists('a/b.json'), false);
    await store.put('a/b.json', '{"x":1}');
    await store.put('a/c.json', new Uint8Array([1, 2, 3]));
    await store.put('ab/d', 'z');
    assert.equal(Buffer.from((await store.get('a/b.json')) ?? []).toString(), '{"x":1}');
    assert.deepEqual([...((await store.get('a/c.json')) ?? [])], [1, 2, 3]);
    assert.equal(await store.exists('a/b.json'), true);
    assert.deepEqual((await store.list('a/')).sort(), ['a/b.json', 'a/c.json']);
    assert.deepEqual((await store.list('a')).sort(), ['a/b.json', 'a/c.json', 'ab/d']);
    assert.deepEqual((await store.list('a/b')).sort(), ['a/b.json']);
    assert.deepEqual(await store.list('zzz/'), []);
    await store.delete('a/b.json');
    await store.delete('a/b.json');
    assert.equal(await store.exists('a/b.json'), false);
    await store.close?.();
  });

  await t.test('putFile/getFile stream files both ways', async () => {
    const store = storeFromSpec(env.freshSpec());
    const src = join(fx.dir, 'blob.bin');
    const data = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    await writeFile(src, data);
    await store.putFile('objects/blob.bin', src);
    const back = join(fx.dir, 'back', 'blob.bin');
    assert.equal(await store.getFile('objects/blob.bin', back), true);
    assert.equal(await store.getFile('objects/missing.bin', join(fx.dir, 'nothing')), false);
    assert.equal(existsSync(join(fx.dir, 'nothing')), false);
    assert.deepEqual(await import('node:fs/promises').then((f) => f.readFile(back)), data);
    await store.close?.();
  });

  await t.test('compareAndSwap creates, replaces only on match, refuses on mismatch', async () => {
    const store = storeFromSpec(env.freshSpec());
    assert.equal(await store.compareAndSwap('refs/heads/x', undefined, 'one\n'), true);
    assert.equal(await store.compareAndSwap('refs/heads/x', undefined, 'two\n'), false, 'must not exist');
    assert.equal(await store.compareAndSwap('refs/heads/x', 'nope\n', 'two\n'), false, 'mismatch');
    assert.equal(Buffer.from((await store.get('refs/heads/x')) ?? []).toString(), 'one\n');
    assert.equal(await store.compareAndSwap('refs/heads/x', 'one\n', 'two\n'), true);
    assert.equal(Buffer.from((await store.get('refs/heads/x')) ?? []).toString(), 'two\n');
    assert.equal(await store.compareAndSwap('refs/heads/gone', 'one\n', 'two\n'), false, 'absent but expected a value');
    await store.close?.();
  });

  await t.test('concurrent compareAndSwap from the same value: exactly one wins', async () => {
    const spec = env.freshSpec();
    const stores = Array.from({ length: 8 }, () => storeFromSpec(spec));
    await stores[0]?.put('refs/heads/race', 'base\n');
    const results = await Promise.all(stores.map((s, i) => s.compareAndSwap('refs/heads/race', 'base\n', `w${i}\n`)));
    assert.equal(results.filter(Boolean).length, 1, `winners: ${JSON.stringify(results)}`);
    const winner = results.indexOf(true);
    assert.equal(Buffer.from((await stores[0]?.get('refs/heads/race')) ?? []).toString(), `w${winner}\n`);
    await Promise.all(stores.map((s) => s.close?.()));
  });
}

export async function lakeContract(t: TestContext, env: ContractEnv): Promise<void> {
  const fx = new Fixtures();
  t.after(() => fx.close());

  await t.test('init makes main with an empty root commit, idempotently', async () => {
    const lake = fx.lake(env.freshSpec());
    await lake.init('main');
    const head = await lake.head('main');
    assert.match(head ?? '', /^[0-9a-f]{64}$/);
    await lake.init('main');
    assert.equal(await lake.head('main'), head);
    const root = await lake.resolve('main');
    assert.deepEqual(root.parents, []);
    assert.deepEqual(root.tables, {});
    assert.deepEqual((await lake.branches()).map((b) => b.name), ['main']);
    await lake.close();
  });

  await t.test('commit records tables; same content again is reported unchanged', async () => {
    const lake = fx.lake(env.freshSpec());
    await lake.init('main');
    const root = await lake.head('main');
    const apps = await fx.parquet('apps-1', keyed(range(1, 10), (k) => `v${k}`));
    const c1 = await lake.commit({ branch: 'main', message: 'first', tables: { apps: { file: apps, key: 'sha256' } }, metadata: { source: 'fixture' } });
    assert.equal(c1.unchanged, false);
    assert.deepEqual(c1.parents, [root]);
    assert.equal(c1.tables.apps?.rows, 10);
    assert.equal(c1.tables.apps?.key, 'sha256');
    assert.deepEqual(c1.tables.apps?.columns, [{ name: 'sha256', type: 'VARCHAR' }, { name: 'label', type: 'VARCHAR' }]);
    assert.match(c1.tables.apps?.content_hash ?? '', /^[0-9a-f]{64}$/);
    assert.equal(await lake.head('main'), c1.id);
    assert.deepEqual((await lake.resolve(c1.id)).metadata, { source: 'fixture' });

    const again = await lake.commit({ branch: 'main', message: 'again', tables: { apps: { file: apps, key: 'sha256' } } });
    assert.equal(again.unchanged, true);
    assert.equal(again.id, c1.id);
    assert.equal(await lake.head('main'), c1.id);

    const dropped = await lake.commit({ branch: 'main', message: 'drop', tables: { apps: null } });
    assert.deepEqual(dropped.tables, {});
    assert.equal((await lake.log('main')).length, 3);
    await lake.close();
  });

  await t.test('bad input: missing file, missing key column, missing branch, stale expectedHead', async () => {
    const lake = fx.lake(env.freshSpec());
    await lake.init('main');
    const apps = await fx.parquet('apps-bad', keyed(range(1, 3), (k) => `v${k}`));
    await assert.rejects(lake.commit({ branch: 'main', message: 'm', tables: { apps: { file: join(fx.dir, 'nope.parquet') } } }), expectDfp('NOT_FOUND'));
    await assert.rejects(lake.commit({ branch: 'main', message: 'm', tables: { apps: { file: apps, key: 'nokey' } } }), expectDfp('INPUT_INVALID'));
    await assert.rejects(lake.commit({ branch: 'dev', message: 'm', tables: { apps: { file: apps } } }), expectDfp('NOT_FOUND'));
    const root = (await lake.head('main')) as string;
    await lake.commit({ branch: 'main', message: 'm', tables: { apps: { file: apps } }, expectedHead: root });
    await assert.rejects(
      lake.commit({ branch: 'main', message: 'm2', tables: { apps: null }, expectedHead: root }),
      expectDfp('CONFLICT', (e) => assert.equal(e.details?.expected, root)),
    );
    const fresh = await lake.commit({ branch: 'dev', message: 'new branch', tables: { apps: { file: apps } }, expectedHead: null });
    assert.deepEqual(fresh.parents, []);
    await lake.close();
  });

  await t.test('refs: branches, tags, ids, prefixes, ~N, errors', async () => {
    const lake = fx.lake(env.freshSpec());
    await lake.init('main');
    const a = await fx.parquet('refs-a', keyed(range(1, 4), (k) => `a${k}`));
    const c1 = await lake.commit({ branch: 'main', message: 'c1', tables: { apps: { file: a } } });
    const dev = await lake.createBranch('feature/x', 'main');
    assert.deepEqual(dev, { name: 'feature/x', kind: 'branch', commit: c1.id });
    await assert.rejects(lake.createBranch('feature/x', 'main'), expectDfp('CONFLICT'));
    await assert.rejects(lake.createBranch('feature', 'main'), expectDfp('CONFLICT'));
    await assert.rejects(lake.createBranch('bad..name', 'main'), expectDfp('USAGE'));
    assert.deepEqual(await lake.tag('v1', 'main'), { name: 'v1', kind: 'tag', commit: c1.id });
    assert.deepEqual(await lake.tag('v1', c1.id), { name: 'v1', kind: 'tag', commit: c1.id }, 'same target is a no-op');
    await assert.rejects(lake.tag('v1', 'main~1'), expectDfp('CONFLICT'));
    assert.deepEqual((await lake.tags()).map((r) => [r.name, r.commit]), [['v1', c1.id]]);
    assert.deepEqual((await lake.branches()).map((r) => r.name), ['feature/x', 'main']);
    for (const ref of ['main', 'v1', 'feature/x', c1.id, c1.id.slice(0, 7), c1.id.slice(0, 20).toUpperCase()]) {
      assert.equal((await lake.resolve(ref)).id, c1.id, ref);
    }
    assert.deepEqual((await lake.resolve('main~1')).parents, []);
    assert.equal((await lake.resolve('main^')).id, (await lake.resolve('main~1')).id);
    await assert.rejects(lake.resolve('main~2'), expectDfp('NOT_FOUND'));
    await assert.rejects(lake.resolve('nosuch'), expectDfp('NOT_FOUND'));
    await assert.rejects(lake.resolve('abc12'), expectDfp('NOT_FOUND'));
    // Two stored ids sharing a 7-digit prefix make that prefix ambiguous.
    await lake.store.put(`commits/abcdef0${'1'.repeat(57)}.json`, '{}');
    await lake.store.put(`commits/abcdef0${'2'.repeat(57)}.json`, '{}');
    await assert.rejects(lake.resolve('abcdef0'), expectDfp('USAGE', (e) => assert.match(e.message, /ambiguous/)));
    await lake.close();
  });

  await t.test('time travel: an older ref reads the older rows', async () => {
    const lake = fx.lake(env.freshSpec());
    await lake.init('main');
    const v1 = await fx.parquet('tt-1', keyed(range(1, 5), (k) => `old${k}`));
    const v2 = await fx.parquet('tt-2', keyed(range(1, 8), (k) => `new${k}`));
    const c1 = await lake.commit({ branch: 'main', message: 'v1', tables: { apps: { file: v1, key: 'sha256' } } });
    await lake.tag('release-1', 'main');
    await lake.commit({ branch: 'main', message: 'v2', tables: { apps: { file: v2, key: 'sha256' } } });
    for (const ref of ['release-1', 'main~1', c1.id.slice(0, 9)]) {
      const rows = await fx.rows(await lake.tablePath(ref, 'apps'));
      assert.equal(rows.length, 5, ref);
      assert.equal(rows[0]?.label, 'old1', ref);
    }
    const now = await fx.rows(await lake.tablePath('main', 'apps'));
    assert.equal(now.length, 8);
    assert.equal(now[0]?.label, 'new1');
    await assert.rejects(lake.tablePath('main', 'nope'), expectDfp('NOT_FOUND', (e) => assert.match(e.message, /tables: apps/)));
    await assert.rejects(lake.tablePath('main~2', 'apps'), expectDfp('NOT_FOUND'));
    const log = await lake.log('main');
    assert.deepEqual(log.map((c) => c.message), ['v2', 'v1', 'init']);
    assert.deepEqual((await lake.log('main', 1)).map((c) => c.message), ['v2']);
    await lake.close();
  });

  await t.test('diff: tables added/removed/changed/unchanged and rows by key', async () => {
    const lake = fx.lake(env.freshSpec());
    await lake.init('main');
    // before: k01..k10. after: k01,k02 removed; k11..k13 added; k05..k08 relabelled.
    const before = await fx.parquet('d-before', keyed(range(1, 10), (k) => `v${k}`));
    const after = await fx.parquet('d-after', keyed(range(3, 13), (k) => (k >= 5 && k <= 8 ? `changed${k}` : `v${k}`)));
    const same = await fx.parquet('d-same', `SELECT 1 AS n`);
    const nokey1 = await fx.parquet('d-nokey1', `SELECT 1 AS n UNION ALL SELECT 2`);
    const nokey2 = await fx.parquet('d-nokey2', `SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3`);
    const a = await lake.commit({
      branch: 'main',
      message: 'a',
      tables: { apps: { file: before, key: 'sha256' }, same: { file: same }, gone: { file: same }, counts: { file: nokey1 } },
    });
    const b = await lake.commit({
      branch: 'main',
      message: 'b',
      tables: { apps: { file: after, key: 'sha256' }, gone: null, fresh: { file: nokey1 }, counts: { file: nokey2 } },
    });
    const diff = await lake.diff(a.id, 'main');
    assert.equal(diff.from, a.id);
    assert.equal(diff.to, b.id);
    assert.deepEqual(diff.tables, [
      { table: 'apps', status: 'changed', rows_before: 10, rows_after: 11, schema_changed: false, rows_added: 3, rows_removed: 2, rows_changed: 4 },
      { table: 'counts', status: 'changed', rows_before: 2, rows_after: 3, schema_changed: false },
      { table: 'fresh', status: 'added', rows_before: 0, rows_after: 2 },
      { table: 'gone', status: 'removed', rows_before: 1, rows_after: 0 },
      { table: 'same', status: 'unchanged', rows_before: 1, rows_after: 1 },
    ]);
    const back = await lake.diff('main', 'main~1');
    const apps = back.tables.find((d) => d.table === 'apps');
    assert.deepEqual([apps?.rows_added, apps?.rows_removed, apps?.rows_changed], [2, 3, 4]);
    await lake.close();
  });

  await t.test('two writers on one branch: exactly one wins, the other gets CONFLICT, nothing lost', async () => {
    const spec = env.freshSpec();
    const [l1, l2] = [fx.lake(spec), fx.lake(spec)] as const;
    await l1.init('main');
    const base = (await l1.head('main')) as string;
    const f1 = await fx.parquet('w1', keyed(range(1, 3), (k) => `one${k}`));
    const f2 = await fx.parquet('w2', keyed(range(1, 4), (k) => `two${k}`));
    const results = await Promise.allSettled([
      l1.commit({ branch: 'main', message: 'writer 1', tables: { apps: { file: f1 } } }),
      l2.commit({ branch: 'main', message: 'writer 2', tables: { apps: { file: f2 } } }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
    assert.equal(lost.length, 1);
    const winner = (won[0] as PromiseFulfilledResult<{ id: string }>).value;
    const err = (lost[0] as PromiseRejectedResult).reason as DfpError;
    expectDfp('CONFLICT')(err);
    assert.equal(err.details?.branch, 'main');
    assert.equal(err.details?.expected, base);
    assert.equal(err.details?.actual, winner.id);
    assert.match(err.message, /main/);
    const orphan = err.details?.commit as string;
    assert.match(orphan, /^[0-9a-f]{64}$/);
    assert.equal(await l1.head('main'), winner.id);
    // The losing commit and its table are stored: it can be branched from and read.
    const rescued = await l1.createBranch('rescue', orphan);
    assert.equal(rescued.commit, orphan);
    const loserRows = await fx.count(await l1.tablePath('rescue', 'apps'));
    assert.equal(loserRows, (await l1.resolve('rescue')).message === 'writer 1' ? 3 : 4);
    assert.notEqual((await l1.resolve('rescue')).message, (await l1.resolve('main')).message);
    await Promise.all([l1.close(), l2.close()]);
  });

  await t.test('kill -9 mid-commit leaves the branch at its previous commit', async (tt) => {
    const big = await fx.parquet(
      'big',
      `SELECT md5(i::VARCHAR) AS sha256, md5((i * 7)::VARCHAR) AS label, i AS n FROM range(400000) r(i)`,
    );
    const bigRows = 400000;
    for (const point of env.killPoints) {
      await tt.test(`killed at ${point}`, async () => {
        const spec = env.freshSpec();
        const lake = fx.lake(spec);
        await lake.init('main');
        const small = await fx.parquet(`small-${point}`, keyed(range(1, 6), (k) => `s${k}`));
        const before = await lake.commit({ branch: 'main', message: 'before', tables: { apps: { file: small, key: 'sha256' } } });

        await runChildUntil(spec, point, ['main', 'big', big, 'sha256'], join(fx.dir, 'child-cache'));

        assert.equal(await lake.head('main'), before.id, 'branch must not move');
        if (point === 'ref-lock-held' && spec.backend === 'local') {
          assert.ok(existsSync(join(spec.root, 'refs/heads/main.lock')), 'the dead writer left its ref lock behind');
        }
        const fresh = fx.lake(spec);
        assert.deepEqual(Object.keys((await fresh.resolve('main')).tables), ['apps'], 'no partial table visible');
        assert.equal(await fx.count(await fresh.tablePath('main', 'apps')), 6);
        // The next writer succeeds (on the local store this breaks the dead process's ref lock).
        const next = await fresh.commit({ branch: 'main', message: 'after crash', tables: { big: { file: big, key: 'sha256' } } });
        assert.deepEqual(next.parents, [before.id]);
        assert.equal(next.tables.big?.rows, bigRows);
        assert.equal(await fx.count(await fresh.tablePath('main', 'big')), bigRows);
        await Promise.all([lake.close(), fresh.close()]);
      });
    }
  });
}

/** Runs commit-child.ts with a pause point, waits until it is there, then SIGKILLs it. */
export async function runChildUntil(spec: StoreSpec, point: PausePoint, args: string[], cache: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, DFP_LAKE_PAUSE_AT: point, DFP_LAKE_CHILD_SPEC: JSON.stringify(spec), DFP_LAKE_CHILD_CACHE: cache },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let stderr = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child never reached ${point}; stderr:\n${stderr}`)), 60_000);
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes(`${PAUSE_MARKER} ${point}`)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`child exited (${code}) before reaching ${point}; stderr:\n${stderr}`));
      });
    });
  } finally {
    child.kill('SIGKILL');
    // Wait for the exit so the pid is reaped: a zombie would still look alive to the lock breaker.
    await exited;
  }
}
