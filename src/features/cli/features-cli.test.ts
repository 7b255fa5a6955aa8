// End to end through the real `dfp` binary: features apply → dataset → materialize → get, with the
// embedded store, in a temporary workspace whose lake holds the fixture tables.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runDfp } from '../../../tests/support/cli.ts';
import { FeatureFixture, SHA } from '../testing/fixtures.ts';

describe('dfp features (CLI)', () => {
  const fx = new FeatureFixture();
  const dfp = (...args: string[]) => {
    const r = runDfp([...args, `store.registry=${fx.registryFile}`], { DFP_HOME: fx.config.workspace });
    return { ...r, json: () => JSON.parse(r.stdout) as Record<string, unknown> };
  };
  before(() => fx.seed());
  after(() => fx.close());

  test('get before apply says what to do', async () => {
    // A workspace of its own: the shared one is applied by the next test, and test order must not matter.
    const fresh = new FeatureFixture();
    try {
      const r = runDfp(['features', 'get', '--entity', SHA.a, `store.registry=${fresh.registryFile}`], { DFP_HOME: fresh.config.workspace });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /run `dfp features apply` first/);
    } finally {
      await fresh.close();
    }
  });

  test('apply, dataset, materialize (incremental), get with statuses', async () => {
    const a1 = dfp('features', 'apply', '--json');
    assert.equal(a1.code, 0, a1.stderr);
    const a2 = dfp('features', 'apply', '--json');
    assert.equal(a2.json().version, a1.json().version);
    assert.equal(a2.json().unchanged, true);

    const entities = await fx.file('entities.csv', `SELECT '${SHA.a}' AS sha256, TIMESTAMP '2024-02-15' AS event_timestamp UNION ALL SELECT '${SHA.c}', TIMESTAMP '2024-02-15'`);
    const out = join(fx.dir, 'train.parquet');
    const ds = dfp('features', 'dataset', '--entities', entities, '--views', 'syscalls', '--out', out, '--json');
    assert.equal(ds.code, 0, ds.stderr);
    assert.equal(ds.json().rows, 2);
    assert.equal(ds.json().registry_version, a1.json().version);
    const rows = await fx.query<{ syscalls__read: number | null }>(`SELECT syscalls__read FROM read_parquet('${out}')`);
    assert.deepEqual(rows.map((r) => r.syscalls__read), [2, null]);

    const m1 = dfp('features', 'materialize', '--json');
    assert.equal(m1.code, 0, m1.stderr);
    const views = (m1.json().views as { view: string; written: number; skipped: number }[]).map((v) => [v.view, v.written, v.skipped]);
    assert.deepEqual(views, [['syscalls', 2, 0], ['permissions', 1, 0]]);
    const m2 = dfp('features', 'materialize', '--views', 'syscalls', '--json');
    assert.deepEqual((m2.json().views as { written: number; skipped: number }[]).map((v) => [v.written, v.skipped]), [[0, 2]]);

    // Fixture rows are from 2024 and syscalls has a 40-day TTL: aged out today, as Feast reports it.
    const stale = dfp('features', 'get', '--entity', SHA.a, '--features', 'syscalls:read', '--json');
    assert.equal(stale.code, 0, stale.stderr);
    assert.deepEqual(stale.json(), { sha256: SHA.a, status: 'OUTSIDE_MAX_AGE', values: { 'syscalls:read': null } });
    const fresh = dfp('features', 'get', '--entity', SHA.a, '--features', 'permissions:INTERNET,permissions:REBOOT_PERMISSION', '--json');
    assert.deepEqual(fresh.json(), { sha256: SHA.a, status: 'PRESENT', values: { 'permissions:INTERNET': 1, 'permissions:REBOOT_PERMISSION': 0 } });
    const none = dfp('features', 'get', '--entity', SHA.c, '--json');
    assert.equal(none.code, 0);
    assert.equal(none.json().status, 'NOT_FOUND');
    const human = dfp('features', 'get', '--entity', SHA.a, '--views', 'permissions');
    assert.match(human.stdout, /PRESENT\n {2}permissions:INTERNET = 1/);

    const badRef = dfp('features', 'get', '--entity', SHA.a, '--features', 'syscalls:nope');
    assert.equal(badRef.code, 1);
    assert.match(badRef.stderr, /feature 'syscalls:nope' is not in view 'syscalls'/);
  });
});
