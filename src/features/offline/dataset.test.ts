// Point-in-time correctness of offline retrieval: for each entity row the latest value at or before its
// time, never one from the future, NULL beyond the TTL or without a match; row count and order kept.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AppliedRegistry } from '../../core/features/types.ts';
import { selectFeatures } from '../registry/select.ts';
import { FeatureFixture, SHA } from '../testing/fixtures.ts';
import { buildDataset } from './dataset.ts';

const ENTITIES = `SELECT * FROM (VALUES
  (1, '${SHA.a}', TIMESTAMP '2023-12-31 00:00:00'),
  (2, '${SHA.a}', TIMESTAMP '2024-01-01 00:00:00'),
  (3, '${SHA.a}', TIMESTAMP '2024-01-20 00:00:00'),
  (4, '${SHA.a}', TIMESTAMP '2024-02-15 00:00:00'),
  (5, '${SHA.a}', TIMESTAMP '2024-05-01 00:00:00'),
  (6, '${SHA.b}', TIMESTAMP '2024-02-01 00:00:00'),
  (7, '${SHA.c}', TIMESTAMP '2024-02-01 00:00:00'),
  (8, '${SHA.a}', TIMESTAMP '2024-03-05 12:00:00'),
  (9, '${SHA.a}', TIMESTAMP '2024-02-15 00:00:00')
) t(row_id, sha256, event_timestamp)`;

describe('offline point-in-time dataset', () => {
  const fx = new FeatureFixture();
  let applied: AppliedRegistry;
  before(async () => {
    await fx.seed();
    applied = await fx.apply();
  });
  after(() => fx.close());

  for (const ext of ['csv', 'parquet']) {
    test(`picks the latest value at or before each entity time, within the TTL (${ext} entities)`, async () => {
      const entities = await fx.file(`entities.${ext}`, ENTITIES);
      const out = join(fx.dir, `train-${ext}.parquet`);
      const r = await buildDataset({
        lake: await fx.lake(),
        ref: 'main',
        registry: applied.registry,
        selection: selectFeatures(applied.registry, { views: ['syscalls', 'permissions'] }),
        entities,
        out,
      });
      assert.equal(r.rows, 9);
      assert.deepEqual(r.feature_columns, ['syscalls__read', 'syscalls__write', 'syscalls__read_ratio', 'permissions__INTERNET', 'permissions__REBOOT_PERMISSION']);
      const rows = await fx.query<{ row_id: number; syscalls__read: number | null; syscalls__read_ratio: number | null; permissions__INTERNET: number | null; event_timestamp: Date }>(
        `SELECT * FROM read_parquet('${out}')`,
      );
      // Order of the input is kept (no ORDER BY here on purpose).
      assert.deepEqual(rows.map((x) => x.row_id), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const read = rows.map((x) => x.syscalls__read);
      //            before  at  between  between  >TTL   b     none   after-last  duplicate row
      assert.deepEqual(read, [null, 1, 1, 2, null, 100, null, 3, 2]);
      // A null in the source stays null (row 4 sees the Feb 1 row whose ratio is NULL).
      assert.equal(rows[3]!.syscalls__read_ratio, null);
      assert.equal(rows[7]!.syscalls__read_ratio, 1.5);
      // permissions has no TTL: Jan 10 serves every later row of a, never an earlier one.
      assert.deepEqual(rows.map((x) => x.permissions__INTERNET), [null, null, 1, 1, 1, null, null, 1, 1]);
      assert.equal(r.unmatched.syscalls, 3);
    });
  }

  test('a feature list picks only those columns; entity columns are kept', async () => {
    const entities = await fx.file('e2.parquet', ENTITIES);
    const out = join(fx.dir, 'subset.parquet');
    const r = await buildDataset({
      lake: await fx.lake(),
      ref: 'main',
      registry: applied.registry,
      selection: selectFeatures(applied.registry, { features: ['permissions:INTERNET', 'syscalls:write'] }),
      entities,
      out,
    });
    assert.deepEqual(r.feature_columns, ['permissions__INTERNET', 'syscalls__write']);
    const cols = (await fx.query<{ column_name: string }>(`DESCRIBE SELECT * FROM read_parquet('${out}')`)).map((c) => c.column_name);
    assert.deepEqual(cols, ['row_id', 'sha256', 'event_timestamp', 'permissions__INTERNET', 'syscalls__write']);
  });

  test('entities without sha256 or event_timestamp are refused with the column named', async () => {
    const bad = await fx.file('bad.csv', `SELECT '${SHA.a}' AS sha256, 1 AS ts`);
    await assert.rejects(
      buildDataset({ lake: await fx.lake(), ref: 'main', registry: applied.registry, selection: selectFeatures(applied.registry, {}), entities: bad, out: join(fx.dir, 'x.parquet') }),
      /has no column 'event_timestamp'/,
    );
  });
});
