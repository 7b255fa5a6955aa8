// Test support: the one behaviour suite both online stores must pass — raw write/read, incremental
// materialization, point-in-time (--end) and TTL statuses, a changed feature list, and the Feast HTTP
// handler over the store. The embedded and Redis test files call it with their own store factory.
import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import Fastify from 'fastify';
import type { AppliedRegistry, OnlineStore } from '../../core/features/types.ts';
import { featureServerPlugin } from '../http/feature-server.ts';
import { materialize } from '../materialize/materialize.ts';
import { OnlineFeatureService } from '../online/service.ts';
import { FeatureFixture, PERMISSION_ROWS_SQL, REGISTRY_YAML, SHA, SYSCALL_ROWS_SQL } from './fixtures.ts';

export interface StoreFactory {
  /** Why the suite cannot run here (e.g. redis-server missing), or null. */
  skipReason(): string | null;
  /** A new, empty store for the fixture (its own file or key prefix). */
  open(fx: FeatureFixture, name: string): Promise<OnlineStore>;
  teardown?(): Promise<void>;
}

const day = 86400_000;
const at = (iso: string) => new Date(iso).getTime();

export function onlineStoreContract(label: string, factory: StoreFactory): void {
  describe(`online store contract: ${label}`, () => {
    const fx = new FeatureFixture();
    let applied: AppliedRegistry;
    const skip = factory.skipReason();
    const stores: OnlineStore[] = [];
    const open = async (name: string) => {
      const s = await factory.open(fx, name);
      stores.push(s);
      return s;
    };
    const guard = (t: TestContext) => {
      if (skip) t.skip(skip);
      return skip === null;
    };
    const run = (store: OnlineStore, extra: Partial<Parameters<typeof materialize>[0]> = {}) =>
      fx.lake().then((lake) => materialize({ lake, ref: 'main', store, applied, workspace: fx.config.workspace, ...extra }));

    before(async () => {
      if (skip) return;
      await fx.seed();
      applied = await fx.apply();
    });
    after(async () => {
      for (const s of stores) await s.close();
      await factory.teardown?.();
      await fx.close();
    });

    test('write then read: values, nulls, order of requested features, missing entities', async (t) => {
      if (!guard(t)) return;
      const store = await open('raw');
      const features = ['f1', 'f2', 'f3'];
      await store.write('v', { features, entities: ['e1', 'e2'], eventTimestamps: [1000, 2000], values: [[1, null, 3.25], [4, 5, 6]] });
      const r = await store.read('v', ['e2', 'missing', 'e1'], ['f3', 'f1', 'f2']);
      assert.deepEqual(r.eventTimestamps, [2000, null, 1000]);
      assert.deepEqual(r.values, [[6, 4, 5], null, [3.25, 1, null]]);
      // A value that becomes null is null afterwards, not the old number.
      await store.write('v', { features, entities: ['e2'], eventTimestamps: [3000], values: [[null, 7, 8]] });
      assert.deepEqual((await store.read('v', ['e2'], features)).values, [[null, 7, 8]]);
      assert.equal(await store.clearView('v'), 2);
      assert.deepEqual((await store.read('v', ['e1'], features)).values, [null]);
      await store.setMeta('k', 'x');
      assert.equal(await store.getMeta('k'), 'x');
      assert.equal(await store.getMeta('absent'), null);
    });

    test('materialize is point-in-time (--end) and incremental (written/skipped by sha256)', async (t) => {
      if (!guard(t)) return;
      // The lake is shared with the other tests: put the seed back even if an assertion below fails.
      let moved = false;
      t.after(async () => {
        if (moved) await fx.commitTables({ syscall_features: SYSCALL_ROWS_SQL, permission_features: PERMISSION_ROWS_SQL }, 'back to the seed');
      });
      const store = await open('incr');
      const service = new OnlineFeatureService(store, applied, () => at('2024-02-20'));
      const sel = service.select({ features: ['syscalls:read', 'syscalls:read_ratio'] });

      // As of Feb 10 the latest row of a is Feb 1: the Mar 1 row is in the future and must not leak.
      let [sys] = await run(store, { views: ['syscalls'], end: new Date('2024-02-10T00:00:00Z') });
      assert.equal(sys!.written, 2);
      assert.match(sys!.full_reason ?? '', /first/);
      let res = await service.get([SHA.a, SHA.b], sel);
      assert.deepEqual(res.columns[0]!.values, [2, 100]);
      assert.deepEqual(res.columns[1]!.statuses, ['NULL_VALUE', 'PRESENT']);
      assert.equal(sys!.watermark, '2024-02-01T00:00:00.000Z');

      // Up to now: a moved on (written), b did not (skipped).
      [sys] = await run(store, { views: ['syscalls'] });
      assert.deepEqual([sys!.written, sys!.skipped, sys!.full_reason], [1, 1, null]);
      // Unchanged lake: nothing written.
      [sys] = await run(store, { views: ['syscalls'] });
      assert.deepEqual([sys!.written, sys!.skipped], [0, 2]);

      // New lake commit: b's values corrected at the same time, d appears, a unchanged.
      moved = true;
      await fx.commitTables(
        {
          syscall_features: `${SYSCALL_ROWS_SQL.replace('100::BIGINT', '101::BIGINT')} UNION ALL SELECT '${SHA.d}', TIMESTAMP '2024-03-02', 7, 8, 0.1, 'app.d', 0`,
          permission_features: PERMISSION_ROWS_SQL,
        },
        'b corrected, d added',
      );
      [sys] = await run(store, { views: ['syscalls'] });
      assert.deepEqual([sys!.written, sys!.skipped], [2, 1]);
      res = await service.get([SHA.a, SHA.b, SHA.d, SHA.c], sel);
      assert.deepEqual(res.columns[0]!.values, [3, 101, 7, null]);
      // Lost state (a flushed store) means a full rewrite rather than silently missing rows.
      await store.setMeta('materialized:syscalls', '');
      [sys] = await run(store, { views: ['syscalls'] });
      assert.equal(sys!.written, 3);
    });

    test('TTL: statuses PRESENT, OUTSIDE_MAX_AGE, NOT_FOUND; a view without TTL never expires', async (t) => {
      if (!guard(t)) return;
      const store = await open('ttl');
      await run(store);
      const service = new OnlineFeatureService(store, applied, () => at('2024-03-20'));
      const sel = service.select({ features: ['syscalls:read', 'permissions:INTERNET'] });
      const res = await service.get([SHA.a, SHA.b, SHA.c], sel);
      // a: Mar 1 is 19 days old (ttl 40d); b: Jan 15 is 65 days old; c: never materialized.
      assert.deepEqual(res.columns[0]!.statuses, ['PRESENT', 'OUTSIDE_MAX_AGE', 'NOT_FOUND']);
      assert.deepEqual(res.columns[0]!.values, [3, null, null]);
      assert.deepEqual(res.columns[1]!.statuses, ['PRESENT', 'NOT_FOUND', 'NOT_FOUND']);
      const one = await new OnlineFeatureService(store, applied, () => at('2024-03-20') + 100 * day).getOne(SHA.a, sel);
      assert.equal(one.status, 'OUTSIDE_MAX_AGE');
      assert.equal(one.values['permissions:INTERNET'], 1);
      assert.equal((await service.getOne(SHA.c, sel)).status, 'NOT_FOUND');
    });

    test('a changed feature list clears the view and rewrites it', async (t) => {
      if (!guard(t)) return;
      // The applied registry is shared with the other tests: re-apply the full one even if an assertion fails.
      t.after(async () => {
        applied = await fx.apply(REGISTRY_YAML);
      });
      const store = await open('layout');
      await run(store, { views: ['syscalls'] });
      const narrowed = await fx.apply(REGISTRY_YAML.replace('ttl: 40d\n    features: all', 'ttl: 40d\n    features: [write]'));
      const lake = await fx.lake();
      const [sys] = await materialize({ lake, ref: 'main', store, applied: narrowed, workspace: fx.config.workspace, views: ['syscalls'] });
      assert.equal(sys!.full_reason, 'the feature list changed');
      assert.equal(sys!.cleared, 2);
      assert.deepEqual((await store.read('syscalls', [SHA.a], ['write'])).values, [[30]]);
    });

    test('HTTP POST /get-online-features answers like Feast (column-wise) and rejects bad bodies', async (t) => {
      if (!guard(t)) return;
      const store = await open('http');
      await run(store);
      const app = Fastify();
      await app.register(featureServerPlugin, { service: new OnlineFeatureService(store, applied, () => at('2024-03-20')) });
      try {
        const ok = await app.inject({
          method: 'POST',
          url: '/get-online-features',
          payload: { features: ['syscalls:read', 'permissions:INTERNET'], entities: { sha256: [SHA.a, SHA.b, SHA.c] } },
        });
        assert.equal(ok.statusCode, 200, ok.body);
        assert.deepEqual(ok.json(), {
          metadata: { feature_names: ['sha256', 'read', 'INTERNET'] },
          results: [
            { values: [SHA.a, SHA.b, SHA.c], statuses: ['PRESENT', 'PRESENT', 'PRESENT'], event_timestamps: Array(3).fill('1970-01-01T00:00:00Z') },
            { values: [3, null, null], statuses: ['PRESENT', 'OUTSIDE_MAX_AGE', 'NOT_FOUND'], event_timestamps: ['2024-03-01T00:00:00Z', '2024-01-15T00:00:00Z', '1970-01-01T00:00:00Z'] },
            { values: [1, null, null], statuses: ['PRESENT', 'NOT_FOUND', 'NOT_FOUND'], event_timestamps: ['2024-01-10T00:00:00Z', '1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'] },
          ],
        });
        // Feature service + full names; a form content type (curl -d) is read as JSON like Feast does.
        const svc = await app.inject({
          method: 'POST',
          url: '/get-online-features',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: JSON.stringify({ feature_service: 'detector', entities: { sha256: [SHA.a] }, full_feature_names: true }),
        });
        assert.equal(svc.statusCode, 200, svc.body);
        assert.deepEqual(svc.json().metadata.feature_names, ['sha256', 'syscalls__read', 'syscalls__write', 'syscalls__read_ratio', 'permissions__INTERNET']);

        const bad = async (payload: string | object, field: string) => {
          const r = await app.inject({ method: 'POST', url: '/get-online-features', headers: { 'content-type': 'application/json' }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
          assert.equal(r.statusCode, 400, `${JSON.stringify(payload)} → ${r.statusCode} ${r.body}`);
          assert.equal(r.json().error.field, field, r.body);
        };
        await bad('{not json', 'body');
        await bad({ entities: { sha256: [SHA.a] } }, 'features');
        await bad({ features: ['read'], entities: { sha256: [SHA.a] } }, 'features[0]');
        await bad({ features: ['syscalls:nope'], entities: { sha256: [SHA.a] } }, 'features');
        await bad({ feature_service: 'nope', entities: { sha256: [SHA.a] } }, 'feature_service');
        await bad({ features: ['syscalls:read'], entities: { driver_id: [1] } }, 'entities.driver_id');
        await bad({ features: ['syscalls:read'], entities: { sha256: [] } }, 'entities.sha256');
        await bad({ features: ['syscalls:read'], entities: { sha256: [SHA.a, 5] } }, 'entities.sha256[1]');
        await bad({ features: ['syscalls:read'], entities: { sha256: [SHA.a] }, full_feature_names: 'yes' }, 'full_feature_names');
      } finally {
        await app.close();
      }
    });
  });
}
