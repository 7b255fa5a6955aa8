// Test support: the integrity suite both backends run (integrity.test.ts). Objects are damaged through the
// store itself (a flipped byte, a truncation, other bytes under the name, a delete), then reads, writes that
// reuse the object, fsck and fsck's repair are held to what src/lake/README.md promises.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TestContext } from 'node:test';
import type { ObjectStore } from '../../core/lake/object-store.ts';
import type { FsckOrigin } from '../../core/lake/types.ts';
import { sha256File, sha256Hex } from '../canonical.ts';
import { commitKey, objectKey } from '../names.ts';
import type { ObjectLake } from '../repository.ts';
import { Fixtures, expectDfp, keyed, range } from './contract.ts';
import type { StoreSpec } from './store-spec.ts';

export interface IntegrityEnv {
  freshSpec(): StoreSpec;
  /** True for a store read through the download cache (S3). */
  remote: boolean;
}

async function bytesOf(store: ObjectStore, key: string): Promise<Buffer> {
  const raw = await store.get(key);
  assert.ok(raw, `${key} should exist`);
  return Buffer.from(raw);
}

/** Flips one bit a third of the way in, as the reproduction does. */
export async function flipByte(store: ObjectStore, key: string): Promise<void> {
  const b = await bytesOf(store, key);
  const i = Math.floor(b.length / 3);
  b[i] = (b[i] as number) ^ 1;
  await store.put(key, b);
}

export async function integrityContract(t: TestContext, env: IntegrityEnv): Promise<void> {
  const fx = new Fixtures();
  t.after(() => fx.close());
  let n = 0;
  const file = (sql: string) => fx.parquet(`f${++n}`, sql);
  const fresh = async (): Promise<ObjectLake> => {
    const lake = fx.lake(env.freshSpec());
    await lake.init('main');
    return lake;
  };

  await t.test('a one-byte flip: reads fail with CORRUPT naming the object, the table and the ref', async () => {
    const lake = await fresh();
    const v1 = await file(keyed(range(1, 20), (k) => `a${k}`));
    const v2 = await file(keyed(range(1, 22), (k) => `b${k}`));
    const c1 = await lake.commit({ branch: 'main', message: 'v1', tables: { apps: { file: v1, key: 'sha256' } } });
    await lake.tag('v1', 'main');
    await lake.commit({ branch: 'main', message: 'v2', tables: { apps: { file: v2, key: 'sha256' } } });
    const key = objectKey(await sha256File(v1));
    await flipByte(lake.store, key);
    const damaged = sha256Hex(await bytesOf(lake.store, key));
    await assert.rejects(
      lake.tablePath('v1', 'apps'),
      expectDfp('CORRUPT', (e) => {
        for (const part of [key, "table 'apps'", 'at v1', 'dfp lake fsck']) assert.ok(e.message.includes(part), `${part} in: ${e.message}`);
        assert.deepEqual([e.details?.key, e.details?.table, e.details?.ref, e.details?.commit, e.details?.found_sha256], [key, 'apps', 'v1', c1.id, damaged]);
      }),
    );
    // Read by commit id (as transform and `lake head` do): the error still names the refs at that commit.
    await assert.rejects(lake.tablePath(c1.id, 'apps'), expectDfp('CORRUPT', (e) => assert.match(e.message, /\(head of v1\)/)));
    await assert.rejects(lake.diff('v1', 'main'), expectDfp('CORRUPT', (e) => assert.equal(e.details?.key, key)));
    assert.equal(await fx.count(await lake.tablePath('main', 'apps')), 22, 'an intact table of the same lake still reads');
    await lake.close();
  });

  await t.test('truncated and overwritten objects are CORRUPT, a missing one STORAGE', async () => {
    const lake = await fresh();
    const a = await file(keyed(range(1, 30), (k) => `t${k}`));
    const other = await file(keyed(range(1, 31), (k) => `o${k}`));
    await lake.commit({ branch: 'main', message: 'a', tables: { apps: { file: a } } });
    const key = objectKey(await sha256File(a));
    const good = await bytesOf(lake.store, key);
    await lake.store.put(key, good.subarray(0, 100));
    await assert.rejects(lake.tablePath('main', 'apps'), expectDfp('CORRUPT', (e) => assert.match(e.message, /its 100 bytes hash to/)));
    // Another valid Parquet file under the name: DuckDB would read it happily; the hash does not match.
    await lake.store.put(key, readFileSync(other));
    await assert.rejects(lake.tablePath('main', 'apps'), expectDfp('CORRUPT'));
    await lake.store.delete(key);
    await assert.rejects(lake.tablePath('main', 'apps'), expectDfp('STORAGE', (e) => assert.match(e.message, /is missing from/)));
    await lake.close();
  });

  await t.test('a write that reuses a damaged object replaces it with the good bytes and says so', async () => {
    const lake = await fresh();
    const a = await file(keyed(range(1, 25), (k) => `r${k}`));
    await lake.commit({ branch: 'main', message: 'a', tables: { apps: { file: a, key: 'sha256' } } });
    const key = objectKey(await sha256File(a));
    const reused = await lake.commit({ branch: 'main', message: 'same bytes, intact', tables: { copy1: { file: a } } });
    assert.equal(reused.repaired, undefined, 'an intact object is reused as it is');
    await flipByte(lake.store, key);
    const damaged = sha256Hex(await bytesOf(lake.store, key));
    const result = await lake.commit({ branch: 'main', message: 'same bytes again', tables: { copy2: { file: a } } });
    assert.deepEqual(result.repaired, [{ key, table: 'copy2', found_sha256: damaged }]);
    assert.equal(sha256Hex(await bytesOf(lake.store, key)), await sha256File(a), 'the stored object holds the good bytes again');
    assert.equal(await fx.count(await lake.tablePath('main', 'apps')), 25);
    // A commit that changes nothing still repairs what it finds (an idempotent re-run of an ingest).
    await lake.store.put(key, Buffer.from('not parquet'));
    const again = await lake.commit({ branch: 'main', message: 'no change', tables: { copy2: { file: a } } });
    assert.equal(again.unchanged, true);
    assert.equal(again.repaired?.[0]?.key, key);
    assert.equal(await fx.count(await lake.tablePath('main', 'copy2')), 25);
    await lake.close();
  });

  await t.test('fsck lists damaged and missing objects with the refs and tables that use them', async () => {
    const spec = env.freshSpec();
    const lake = fx.lake(spec);
    await lake.init('main');
    const clean = await lake.fsck({ repair: false });
    assert.equal(clean.ok, true);
    assert.deepEqual(clean.problems, []);
    const a = await file(keyed(range(1, 12), (k) => `f${k}`));
    const b = await file(keyed(range(1, 13), (k) => `g${k}`));
    const c = await file(keyed(range(1, 14), (k) => `h${k}`));
    const c1 = await lake.commit({ branch: 'main', message: 'c1', tables: { apps: { file: a } } });
    await lake.tag('v1', 'main');
    const c2 = await lake.commit({ branch: 'main', message: 'c2', tables: { apps: { file: b }, users: { file: c } } });
    const [ka, kb, kc] = [objectKey(await sha256File(a)), objectKey(await sha256File(b)), objectKey(await sha256File(c))];
    assert.equal((await lake.fsck({ repair: false })).ok, true);
    await flipByte(lake.store, ka);
    await lake.store.delete(kc);
    const report = await lake.fsck({ repair: false });
    assert.equal(report.ok, false);
    assert.deepEqual([report.damaged, report.missing, report.objects_checked, report.commits_checked, report.branches, report.tags], [1, 1, 3, 3, 1, 1]);
    const byKey = new Map(report.problems.map((p) => [p.key, p]));
    assert.equal(byKey.has(kb), false);
    assert.equal(byKey.get(ka)?.state, 'damaged');
    assert.equal(byKey.get(ka)?.found_sha256, sha256Hex(await bytesOf(lake.store, ka)));
    assert.deepEqual(
      byKey.get(ka)?.used_by.map((u) => [u.ref, u.table, u.commit, u.at_head]),
      [
        ['main', 'apps', c1.id, false],
        ['v1', 'apps', c1.id, true],
      ],
    );
    assert.equal(byKey.get(kc)?.state, 'missing');
    assert.deepEqual(byKey.get(kc)?.used_by.map((u) => [u.ref, u.table, u.commit, u.at_head]), [['main', 'users', c2.id, true]]);
    if (env.remote) assert.equal(report.checked_by.store_checksum + report.checked_by.downloaded, 3);
    else assert.equal(report.checked_by.hashed, 3);

    // A damaged commit: listed with the refs that reach it; what lies behind it cannot be checked.
    await lake.store.put(commitKey(c1.id), '{"parents":[]}');
    const withCommit = await lake.fsck({ repair: false });
    const bad = withCommit.problems.find((p) => p.kind === 'commit');
    assert.equal(bad?.key, commitKey(c1.id));
    assert.deepEqual(bad?.used_by.map((u) => [u.ref, u.at_head]), [['main', false], ['v1', true]]);
    // A lake opened afresh (this one remembers c1 from writing it) fails to resolve through the damaged commit.
    const reopened = fx.lake(spec);
    await assert.rejects(reopened.resolve('v1'), expectDfp('CORRUPT', (e) => assert.match(e.message, new RegExp(`commit ${c1.id}.*is damaged`))));
    await reopened.close();
    await lake.close();
  });

  await t.test('fsck --repair: from a verified copy, by deriving again, and says what it cannot restore', async () => {
    const lake = await fresh();
    const a = await file(keyed(range(1, 15), (k) => `p${k}`));
    const b = await file(keyed(range(1, 16), (k) => `q${k}`));
    const c = await file(keyed(range(1, 17), (k) => `s${k}`));
    await lake.commit({ branch: 'main', message: 'a', tables: { apps: { file: a } } });
    await lake.commit({ branch: 'main', message: 'b and c', tables: { users: { file: b }, events: { file: c } } });
    const [ha, hb, hc] = [await sha256File(a), await sha256File(b), await sha256File(c)];
    // a: a good copy sits in the download cache (where a remote store's reads leave one).
    const copy = lake.integrity.cachedCopy(ha);
    mkdirSync(dirname(copy), { recursive: true });
    copyFileSync(a, copy);
    await flipByte(lake.store, objectKey(ha));
    // b: gone; derived again by writing the same bytes (as the CLI's re-ingest does). c: cannot be derived.
    await lake.store.delete(objectKey(hb));
    await flipByte(lake.store, objectKey(hc));
    const origins: Record<string, FsckOrigin> = {};
    const report = await lake.fsck({
      repair: true,
      rederive: async (problem, origin) => {
        origins[problem.key] = origin;
        if (problem.key !== objectKey(hb)) throw new Error('no source for it');
        const parent = origin.commit.parents[0] as string;
        await lake.createBranch('scratch', parent);
        await lake.commit({ branch: 'scratch', message: 'again', tables: { [origin.table]: { file: b } } });
        await lake.deleteBranch('scratch');
        return 'committed the same bytes on a scratch branch';
      },
    });
    const byKey = new Map(report.problems.map((p) => [p.key, p]));
    assert.deepEqual(byKey.get(objectKey(ha))?.repair?.status, 'restored');
    assert.match(byKey.get(objectKey(ha))?.repair?.how ?? '', /verified download cache/);
    assert.deepEqual(byKey.get(objectKey(hb))?.repair, { status: 'restored', how: 'committed the same bytes on a scratch branch' });
    assert.equal(origins[objectKey(hb)]?.commit.message, 'b and c');
    assert.equal(origins[objectKey(hb)]?.table, 'users');
    assert.equal(byKey.get(objectKey(hc))?.repair?.status, 'not-restored');
    assert.match(byKey.get(objectKey(hc))?.repair?.how ?? '', /could not derive it again: no source for it; no good copy found: restore objects\/.* from a backup/);
    assert.deepEqual([report.ok, report.restored], [false, 2]);
    assert.deepEqual((await lake.branches()).map((r) => r.name), ['main'], 'the scratch branch is gone');
    assert.equal(await fx.count(await lake.tablePath('main', 'apps')), 15);
    assert.equal(await fx.count(await lake.tablePath('main', 'users')), 16);
    await assert.rejects(lake.tablePath('main', 'events'), expectDfp('CORRUPT'));
    const after = await lake.fsck({ repair: false });
    assert.deepEqual(after.problems.map((p) => p.key), [objectKey(hc)]);
    await lake.close();
  });

  if (env.remote) {
    await t.test('a damaged download-cache copy is only a cache: it is fetched again', async () => {
      const lake = await fresh();
      const a = await file(keyed(range(1, 18), (k) => `d${k}`));
      await lake.commit({ branch: 'main', message: 'a', tables: { apps: { file: a } } });
      const path = await lake.tablePath('main', 'apps');
      writeFileSync(path, 'damaged cache copy');
      assert.equal(await lake.tablePath('main', 'apps'), path);
      assert.equal(await sha256File(path), await sha256File(a));
      await lake.close();
    });

    await t.test('the store computes the sha256 of what it holds, without a download', async () => {
      const lake = await fresh();
      const a = await file(keyed(range(1, 19), (k) => `c${k}`));
      await lake.commit({ branch: 'main', message: 'a', tables: { apps: { file: a } } });
      const key = objectKey(await sha256File(a));
      assert.equal(await lake.store.checksum?.(key), await sha256File(a));
      await lake.store.put(key, Buffer.from('other bytes'));
      assert.equal(await lake.store.checksum?.(key), sha256Hex('other bytes'));
      assert.equal(await lake.store.checksum?.(objectKey('0'.repeat(64))), null);
      await lake.close();
    });
  }
}
