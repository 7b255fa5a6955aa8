// Test support: the garbage-collection suite both backends run (src/lake/gc.test.ts calls it on a local
// folder and on moto_server). Orphans come from the real failure modes — a lost CONFLICT race and a
// writer SIGKILLed at each pause point — and "older than the grace period" is reached by giving gc a
// later `now`, never by waiting an hour. Where two objects must have different ages, the store's own clock is polled
// until it has moved on (storeClockPast), never slept on.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { until } from '../../testing/until.ts';
import type { ObjectStore, StoredObject } from '../../core/lake/object-store.ts';
import type { GcReport } from '../../core/lake/types.ts';
import { sha256File } from '../canonical.ts';
import { objectKey } from '../names.ts';
import { ObjectLake } from '../repository.ts';
import { type ContractEnv, Fixtures, expectDfp, keyed, range, runChildUntil } from './contract.ts';
import { type StoreSpec, storeFromSpec } from './store-spec.ts';

const HOUR = 3_600_000;

/** Every key in the store, sorted: gc may change this picture only by what it reports. */
async function allKeys(store: ObjectStore): Promise<string[]> {
  return (await store.list('')).sort();
}

async function stored(store: ObjectStore, prefix: string): Promise<StoredObject[]> {
  assert.ok(store.listStored, 'the store must list objects with ages');
  return store.listStored(prefix);
}

/** For every branch and tag, every commit of its history and every table in it: the sha256 of the bytes read. */
async function readEverything(lake: ObjectLake): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const ref of [...(await lake.branches()), ...(await lake.tags())]) {
    for (const commit of await lake.log(ref.name)) {
      for (const [table, entry] of Object.entries(commit.tables)) {
        const hash = await sha256File(await lake.tablePath(commit.id, table));
        assert.equal(hash, entry.content_hash, `${ref.name} ${commit.id.slice(0, 12)} ${table} reads other bytes than it recorded`);
        out.set(`${ref.kind} ${ref.name} @ ${commit.id.slice(0, 12)} ${table}`, hash);
      }
    }
  }
  assert.ok(out.size > 0);
  return out;
}

const deletedKeys = (r: GcReport) => r.items.filter((i) => i.action === 'delete').map((i) => i.key);
const youngKeys = (r: GcReport) => r.items.filter((i) => i.action === 'keep-young').map((i) => i.key);

export async function gcContract(t: TestContext, env: ContractEnv): Promise<void> {
  const fx = new Fixtures();
  t.after(() => fx.close());
  let caches = 0;
  // A new cache folder per lake: after gc, a remote table must be read from the store, not from a copy.
  const lakeOf = (spec: StoreSpec) => new ObjectLake({ store: storeFromSpec(spec), cacheDir: join(fx.dir, `cache-${++caches}`), author: 'tester' });

  /**
   * Waits until this backend stamps a new object later than `t` (epoch ms). S3 keeps LastModified to the second and
   * file systems have their own resolution, so a probe object says when "later" is visible where a sleep would guess.
   */
  async function storeClockPast(t: number): Promise<void> {
    const probe = storeFromSpec(env.freshSpec());
    try {
      await until(
        `the store to stamp objects later than ${new Date(t).toISOString()}`,
        async () => {
          await probe.put('probe', 'x');
          return ((await stored(probe, 'probe'))[0]?.modified.getTime() ?? -Infinity) > t;
        },
        { everyMs: 100 },
      );
    } finally {
      await probe.close?.();
    }
  }

  /** Newest `modified` among keys, as the store lists them. */
  async function newest(store: ObjectStore, keys: string[]): Promise<number> {
    const times = (await stored(store, '')).filter((o) => keys.includes(o.key)).map((o) => o.modified.getTime());
    assert.equal(times.length, keys.length, `listed ${times.length} of ${keys.join(', ')}`);
    return Math.max(...times);
  }

  /** Two writers race on main; returns what the loser stored and nothing references. */
  async function loseRace(spec: StoreSpec, tag: string): Promise<{ commit: string; table: string }> {
    const [a, b] = [lakeOf(spec), lakeOf(spec)];
    const f1 = await fx.parquet(`${tag}-1`, keyed(range(1, 3), (k) => `${tag}-one-${k}`));
    const f2 = await fx.parquet(`${tag}-2`, keyed(range(1, 4), (k) => `${tag}-two-${k}`));
    const results = await Promise.allSettled([
      a.commit({ branch: 'main', message: `${tag} writer 1`, tables: { apps: { file: f1, key: 'sha256' } } }),
      b.commit({ branch: 'main', message: `${tag} writer 2`, tables: { apps: { file: f2, key: 'sha256' } } }),
    ]);
    const lost = results.find((r) => r.status === 'rejected');
    assert.ok(lost, `one writer must lose the race: ${JSON.stringify(results.map((r) => r.status))}`);
    expectDfp('CONFLICT')(lost.reason);
    const commit = (lost.reason as { details: { commit: string } }).details.commit;
    const table = (await a.mustCommit(commit)).tables.apps?.content_hash as string;
    await Promise.all([a.close(), b.close()]);
    return { commit, table };
  }

  await t.test('store: listStored reports sizes and ages; touch renews; deleteMany crosses batches', async () => {
    const store = storeFromSpec(env.freshSpec());
    const t0 = Date.now();
    await store.put('objects/a.bin', 'abc');
    const t1 = Date.now();
    const [a] = await stored(store, 'objects/');
    assert.equal(a?.key, 'objects/a.bin');
    assert.equal(a?.size, 3);
    // Within the put, give or take the store's timestamp resolution (S3: 1 s); a slow put only widens the bracket.
    const m = a?.modified.getTime() ?? NaN;
    assert.ok(m >= t0 - 2000 && m <= t1 + 2000, `modified ${a?.modified.toISOString()} is not the time of the put`);

    assert.equal(await store.touch?.('objects/missing.bin'), false);
    assert.equal(await store.exists('objects/missing.bin'), false, 'touch must not create');
    await storeClockPast(m);
    assert.equal(await store.touch?.('objects/a.bin'), true);
    const [touched] = await stored(store, 'objects/');
    assert.ok((touched?.modified.getTime() ?? 0) > (a?.modified.getTime() ?? 0), 'touch must renew the age');
    assert.equal(Buffer.from((await store.get('objects/a.bin')) ?? []).toString(), 'abc', 'touch must keep the bytes');

    const keys = range(1, 7).map((i) => `objects/many-${i}.bin`);
    for (const k of keys) await store.put(k, k);
    await store.deleteMany?.([...keys, 'objects/never-there.bin']);
    assert.deepEqual(await store.list('objects/'), ['objects/a.bin']);
    assert.deepEqual((await store.listPendingUploads?.('objects/')) ?? [], []);
    await store.close?.();
  });

  await t.test('a clean lake has nothing to collect; foreign keys are never touched', async () => {
    const spec = env.freshSpec();
    const lake = lakeOf(spec);
    await lake.init('main');
    const v1 = await fx.parquet('clean-1', keyed(range(1, 5), (k) => `a${k}`));
    const v2 = await fx.parquet('clean-2', keyed(range(1, 6), (k) => `b${k}`));
    await lake.commit({ branch: 'main', message: 'v1', tables: { apps: { file: v1, key: 'sha256' } } });
    await lake.tag('v1', 'main');
    await lake.commit({ branch: 'main', message: 'v2', tables: { apps: { file: v2, key: 'sha256' } } });
    await lake.store.put('objects/README.txt', 'not a lake object');
    await lake.store.put('commits/notes.json', '{}');
    const before = await allKeys(lake.store);
    const report = await lake.gc({ graceMs: 0, apply: true, now: new Date(Date.now() + 24 * HOUR) });
    assert.equal(report.dry_run, false);
    assert.equal(report.reachable_objects, 5, '3 commits + 2 tables');
    assert.equal(report.branches, 1);
    assert.equal(report.tags, 1);
    assert.equal(report.unreachable_objects, 0);
    assert.equal(report.deletable, 0);
    assert.equal(report.deleted, 0);
    assert.equal(report.bytes, 0);
    assert.equal(report.ignored_keys, 2);
    assert.deepEqual(report.missing_objects, []);
    assert.equal(report.pending_uploads_checked, true);
    assert.deepEqual(report.items, []);
    assert.deepEqual(await allKeys(lake.store), before);
    await lake.close();
  });

  await t.test('lost CONFLICT races: young orphans kept, dry run deletes nothing, --apply deletes exactly the old orphans', async () => {
    const spec = env.freshSpec();
    const lake = lakeOf(spec);
    await lake.init('main');
    // History worth protecting: three commits on main (one table shared by all), a tag, a side branch.
    const shared = await fx.parquet('race-shared', keyed(range(1, 2), (k) => `s${k}`));
    for (const n of [1, 2, 3]) {
      const apps = await fx.parquet(`race-main-${n}`, keyed(range(1, 3 + n), (k) => `m${n}-${k}`));
      await lake.commit({ branch: 'main', message: `main ${n}`, tables: { apps: { file: apps, key: 'sha256' }, shared: { file: shared } } });
      if (n === 1) await lake.tag('v1', 'main');
    }
    await lake.createBranch('dev', 'main~1');
    const devApps = await fx.parquet('race-dev', keyed(range(1, 9), (k) => `d${k}`));
    await lake.commit({ branch: 'dev', message: 'dev work', tables: { apps: { file: devApps, key: 'sha256' } } });

    // Orphans A, then orphans B stamped later by the store; `mid` is A's newest stamp, so B is younger than it.
    const a = await loseRace(spec, 'race-a');
    const aKeys = [`commits/${a.commit}.json`, objectKey(a.table)];
    const mid = await newest(lake.store, aKeys);
    await storeClockPast(mid);
    const b = await loseRace(spec, 'race-b');
    const bKeys = [`commits/${b.commit}.json`, objectKey(b.table)];
    const sizes = new Map((await stored(lake.store, '')).map((o) => [o.key, o.size]));
    const keysBefore = await allKeys(lake.store);
    const readsBefore = await readEverything(lakeOf(spec));

    // Just made, so inside the default 1 h grace period: kept even with --apply.
    const young = await lakeOf(spec).gc({ graceMs: HOUR, apply: true });
    assert.equal(young.unreachable_objects, 4);
    assert.equal(young.skipped_young, 4);
    assert.deepEqual(youngKeys(young).sort(), [...aKeys, ...bKeys].sort());
    assert.equal(young.deletable, 0);
    assert.equal(young.deleted, 0);
    assert.deepEqual(await allKeys(lake.store), keysBefore);

    // An hour after `mid`: A is at (or past) the grace period, B is not. Dry run first.
    const now = new Date(mid + HOUR);
    const dry = await lakeOf(spec).gc({ graceMs: HOUR, apply: false, now });
    assert.equal(dry.dry_run, true);
    assert.equal(dry.unreachable_objects, 4);
    assert.deepEqual(deletedKeys(dry), aKeys, 'commits are listed (and deleted) before their tables');
    assert.deepEqual(youngKeys(dry).sort(), [...bKeys].sort());
    assert.equal(dry.deletable, 2);
    assert.equal(dry.deleted, 0);
    assert.equal(dry.bytes, aKeys.reduce((n, k) => n + (sizes.get(k) ?? NaN), 0));
    assert.equal(dry.reachable_objects, keysBefore.length - 4 - 3, 'everything but the 4 orphans and the 3 refs');
    assert.deepEqual(await allKeys(lake.store), keysBefore, 'a dry run deletes nothing');

    const applied = await lakeOf(spec).gc({ graceMs: HOUR, apply: true, now });
    assert.equal(applied.dry_run, false);
    assert.equal(applied.deleted, 2);
    assert.equal(applied.bytes, dry.bytes);
    assert.deepEqual(deletedKeys(applied), aKeys);
    assert.deepEqual(await allKeys(lake.store), keysBefore.filter((k) => !aKeys.includes(k)), 'exactly the old orphans are gone');
    const after = lakeOf(spec);
    assert.deepEqual(await readEverything(after), readsBefore, 'every branch and tag reads the same bytes at every commit');
    await assert.rejects(after.resolve(a.commit), expectDfp('NOT_FOUND'));

    // B is still there to rescue; once a branch holds it, gc keeps it however old it gets.
    await after.createBranch('rescue', b.commit);
    const rescued = await lakeOf(spec).gc({ graceMs: 0, apply: true, now: new Date(Date.now() + 48 * HOUR) });
    assert.equal(rescued.unreachable_objects, 0);
    assert.equal(await sha256File(await after.tablePath('rescue', 'apps')), b.table);
    await Promise.all([lake.close(), after.close()]);
  });

  await t.test('a branch created on an old orphan while gc lists the store keeps it', async () => {
    const spec = env.freshSpec();
    const lake = lakeOf(spec);
    await lake.init('main');
    const orphan = await loseRace(spec, 'rescue-race');
    // The same store, except that someone rescues the orphan at the worst moment: after gc's first mark.
    const store = storeFromSpec(spec);
    const racy = Object.create(store) as ObjectStore;
    let rescued = false;
    racy.listStored = async (prefix) => {
      if (!rescued) {
        rescued = true;
        await lakeOf(spec).createBranch('rescue', orphan.commit);
      }
      return stored(store, prefix);
    };
    const gcLake = new ObjectLake({ store: racy, cacheDir: join(fx.dir, `cache-${++caches}`), author: 'tester' });
    const report = await gcLake.gc({ graceMs: 0, apply: true, now: new Date(Date.now() + HOUR) });
    assert.ok(rescued);
    assert.equal(report.deleted, 0, JSON.stringify(report.items));
    assert.equal(await sha256File(await lakeOf(spec).tablePath('rescue', 'apps')), orphan.table);
    await Promise.all([lake.close(), gcLake.close()]);
  });

  await t.test('kill -9 mid-commit: gc finds what the dead writer left and --apply removes only that', async (tt) => {
    // Over 5 MiB, so the S3 spec's multipart threshold sends it up in parts.
    const big = await fx.parquet('gc-big', `SELECT md5(i::VARCHAR) AS sha256, md5((i * 7)::VARCHAR) AS label, i AS n FROM range(120000) r(i)`);
    const bigKey = objectKey(await sha256File(big));
    const expected: Record<string, string[]> = {
      'data-upload': ['upload'],
      'after-data-upload': ['table'],
      'before-ref-update': ['commit', 'table'],
      'ref-lock-held': ['commit', 'table'],
    };
    for (const point of env.killPoints) {
      await tt.test(`killed at ${point}`, async () => {
        const spec = env.freshSpec();
        const lake = lakeOf(spec);
        await lake.init('main');
        const small = await fx.parquet(`gc-small-${point}`, keyed(range(1, 6), (k) => `s${k}`));
        const head = await lake.commit({ branch: 'main', message: 'before', tables: { apps: { file: small, key: 'sha256' } } });
        const keysBefore = await allKeys(lake.store);
        const readsBefore = await readEverything(lakeOf(spec));

        await runChildUntil(spec, point, ['main', 'big', big, 'sha256'], join(fx.dir, 'child-cache'));

        const later = new Date(Date.now() + 2 * HOUR);
        const dry = await lakeOf(spec).gc({ graceMs: HOUR, apply: false, now: later });
        assert.deepEqual(dry.items.map((i) => i.kind), expected[point]);
        for (const item of dry.items) {
          assert.equal(item.action, 'delete');
          assert.ok(item.bytes > 0, `${item.key} has a size`);
          if (item.kind !== 'commit') assert.equal(item.key, bigKey);
          else assert.match(item.key, /^commits\/[0-9a-f]{64}\.json$/);
        }
        const leftover = await allKeys(lake.store);
        const uploads = (await lake.store.listPendingUploads?.('objects/')) ?? [];
        assert.equal(uploads.length, point === 'data-upload' ? 1 : 0);

        const applied = await lakeOf(spec).gc({ graceMs: HOUR, apply: true, now: later });
        assert.equal(applied.deleted, expected[point]?.length);
        assert.deepEqual(await allKeys(lake.store), keysBefore, `only the dead writer's objects go (were: ${leftover.join(', ')})`);
        assert.deepEqual((await lake.store.listPendingUploads?.('objects/')) ?? [], []);
        const fresh = lakeOf(spec);
        assert.equal(await fresh.head('main'), head.id);
        assert.deepEqual(await readEverything(fresh), readsBefore);
        // The next writer stores the big table again and reads it back whole.
        const next = await fresh.commit({ branch: 'main', message: 'after gc', tables: { big: { file: big, key: 'sha256' } } });
        assert.deepEqual(next.parents, [head.id]);
        assert.equal(await fx.count(await fresh.tablePath('main', 'big')), 120000);
        await Promise.all([lake.close(), fresh.close()]);
      });
    }
  });

  await t.test('a writer that reuses an old orphan object renews its age', async () => {
    const spec = env.freshSpec();
    const lake = lakeOf(spec);
    await lake.init('main');
    const file = await fx.parquet('reuse', keyed(range(1, 5), (k) => `r${k}`));
    const key = objectKey(await sha256File(file));
    // What a writer killed right after its upload leaves behind.
    await lake.store.putFile(key, file);
    const before = (await stored(lake.store, key))[0]?.modified.getTime() ?? NaN;
    await storeClockPast(before);
    await lake.commit({ branch: 'main', message: 'same bytes', tables: { apps: { file } } });
    const after = (await stored(lake.store, key))[0]?.modified.getTime() ?? NaN;
    assert.ok(after > before, 'the reused object must look young to a concurrent gc');
    await lake.close();
  });

  await t.test('gc stops before deleting anything when a reachable commit is missing', async () => {
    const spec = env.freshSpec();
    const lake = lakeOf(spec);
    await lake.init('main');
    const v1 = await fx.parquet('damaged-1', keyed(range(1, 3), (k) => `x${k}`));
    const v2 = await fx.parquet('damaged-2', keyed(range(1, 4), (k) => `y${k}`));
    const c1 = await lake.commit({ branch: 'main', message: 'c1', tables: { apps: { file: v1 } } });
    await lake.commit({ branch: 'main', message: 'c2', tables: { apps: { file: v2 } } });
    await lake.store.delete(`commits/${c1.id}.json`);
    await lake.store.put(objectKey('f'.repeat(64)), 'an orphan');
    const before = await allKeys(lake.store);
    // A new lake: the one above still has c1 in its memory.
    await assert.rejects(
      lakeOf(spec).gc({ graceMs: 0, apply: true, now: new Date(Date.now() + HOUR) }),
      expectDfp('STORAGE', (e) => assert.match(e.message, /gc stopped before deleting anything/)),
    );
    assert.deepEqual(await allKeys(lake.store), before);
    await lake.close();
  });

  await t.test('a store that cannot list ages: gc says so and deletes nothing', async () => {
    const s = storeFromSpec(env.freshSpec());
    // The same store seen through only the required methods, as a minimal third-party store would be.
    const bare: ObjectStore = {
      location: s.location,
      get: (k) => s.get(k),
      put: (k, d) => s.put(k, d),
      putFile: (k, f) => s.putFile(k, f),
      getFile: (k, f) => s.getFile(k, f),
      exists: (k) => s.exists(k),
      list: (p) => s.list(p),
      delete: (k) => s.delete(k),
      compareAndSwap: (k, e, n) => s.compareAndSwap(k, e, n),
      close: async () => s.close?.(),
    };
    const lake = new ObjectLake({ store: bare, cacheDir: join(fx.dir, 'bare-cache'), author: 'tester' });
    await lake.init('main');
    await assert.rejects(lake.gc({ graceMs: 0, apply: true }), expectDfp('STORAGE', (e) => assert.match(e.message, /cannot list object ages/)));
    await lake.close();
  });
}
