// The evidence for dfp's definitions of KronoDroid's static columns, checked on the published data itself (the real
// 2019 subset; skips visibly without it). README.md in this folder explains each finding; if a new KronoDroid file
// breaks one of these, the definition in static-features.ts must be looked at again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PERMISSION_COLUMNS } from '../../core/kronodroid/schema.ts';
import { ident, literal, openDuckDb, queryRows } from '../../engine/duckdb/connection.ts';
import { REAL_2019, haveRealData } from '../../../tests/support/shared-data.ts';

async function ask(sql: string): Promise<Record<string, number>> {
  const conn = await openDuckDb();
  try {
    const [row] = await queryRows<Record<string, number | bigint>>(conn, sql.replace('FROM DATA', `FROM read_csv(${literal(REAL_2019)}, header=true)`));
    return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
  } finally {
    conn.closeSync();
  }
}

test('permission identities hold in every row', async (t) => {
  if (!haveRealData(t)) return;
  // DuckDB names the permission REBOOT `REBOOT_1` (identifiers are case-insensitive and the call `reboot` came first)
  const flags = PERMISSION_COLUMNS.map((c) => ident(c === 'REBOOT' ? 'REBOOT_1' : c)).join(' + ');
  const r = await ask(`SELECT count(*) AS n,
      count(*) FILTER (WHERE nr_permissions = ${flags}) AS sum_flags,
      count(*) FILTER (WHERE normal + dangerous + signature = nr_permissions) AS levels,
      count(*) FILTER (WHERE total_perm = nr_permissions + nr_custom) AS total,
      count(*) FILTER (WHERE custom_yes = (nr_custom > 0)::INT) AS custom
    FROM DATA`);
  assert.deepEqual(r, { n: r.n, sum_flags: r.n, levels: r.n, total: r.n, custom: r.n });
});

test('intent-filter columns count components with filters; NrIntReceivers is a copy of NrIntServices', async (t) => {
  if (!haveRealData(t)) return;
  const r = await ask(`SELECT count(*) AS n,
      -- published NrIntReceivers equals NrIntServices in every row: KronoDroid's receiver count is not recoverable
      count(*) FILTER (WHERE NrIntReceivers = NrIntServices) AS receivers_copy,
      -- the rest of TotalIntentFilters after activities and services: zero exactly when receivers have no actions,
      -- and never more than their actions (each receiver with a filter has at least one action)
      count(*) FILTER (WHERE (TotalIntentFilters - NrIntActivities - NrIntServices = 0) = (NrIntReceiversActions = 0)) AS rest_zero_iff,
      count(*) FILTER (WHERE TotalIntentFilters - NrIntActivities - NrIntServices BETWEEN 0 AND NrIntReceiversActions) AS rest_bounded,
      -- components, not filters: no single-activity app has two (MAIN and VIEW filters are common in one activity)
      count(*) FILTER (WHERE Activities = 1 AND NrIntActivities > 1) AS one_activity_two,
      count(*) FILTER (WHERE NrIntActivities <= Activities AND NrIntServices <= NrServices) AS bounded_by_components,
      -- distinct actions, not all actions: large apps often have fewer action names than activities with filters
      count(*) FILTER (WHERE NrIntActivities >= 10) AS big,
      count(*) FILTER (WHERE NrIntActivities >= 10 AND NrIntActivitiesActions < NrIntActivities) AS big_fewer_actions
    FROM DATA`);
  assert.equal(r.receivers_copy, r.n);
  assert.equal(r.rest_zero_iff, r.n);
  assert.equal(r.rest_bounded, r.n);
  assert.equal(r.one_activity_two, 0);
  assert.equal(r.bounded_by_components, r.n);
  assert.ok(r.big_fewer_actions! > r.big! / 3, `${r.big_fewer_actions} of ${r.big} large apps have fewer distinct actions than activities with filters`);
});
