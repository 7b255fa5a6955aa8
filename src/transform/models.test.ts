// Tests of the shipped KronoDroid models (analytics/kronodroid) on a handful of raw rows: staging
// (trim, dedup, sentinels, event_timestamp fallback), feature aggregates, and a training mart that
// carries every feature column and no leaking metadata.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { literal, openDuckDb, queryRows } from '../engine/duckdb/connection.ts';
import { DEFAULT_PROJECT } from './defaults.ts';
import { runTransform } from './run.ts';
import { commitRaw, rawApp, tempLake } from './testing/fixtures.ts';

test('shipped models: typed, trimmed, deduplicated staging; features; a leak-free training mart', async () => {
  const f = await tempLake();
  const conn = await openDuckDb({ threads: 1 });
  try {
    await commitRaw(f, [
      rawApp(1, { read: 6, socket: 2, mmap2: 1, execve: 1, nr_syscalls: 10, CFileSize: 50, UFileSize: 100, NrIntServicesActions: 2, NrIntReceiversActions: 3, CAMERA: 1, total_perm: 4, dangerous: 1 }),
      // Duplicate of app 2: the row with the later date wins, whatever the file order.
      rawApp(2, { 'Highest-date': '2019-02-01', Package: 'old' }),
      rawApp(2, { 'Highest-date': '2019-09-01', Package: '\tnew \r\n' }),
      // Sentinel dates: fall back to HighestModDate, then LastModDate, else NULL.
      rawApp(3, { 'Highest-date': '1980-01-01', HighestModDate: '2018-05-05' }),
      rawApp(4, { 'Highest-date': null, LastModDate: '2017-03-03', HighestModDate: '1980-01-01' }),
      rawApp(5, { 'Highest-date': '1980-01-01', year_month: '1980-01-01' }),
      rawApp(6, { MalFamily: '  ', Categories: 'Benign', Scanners: 60, Detection_Ratio: 0.5, TimesSubmitted: 9, NrContactedIps: 4 }),
    ]);
    const r = await runTransform({ lake: f.lake, project: DEFAULT_PROJECT, branch: 'main', workDir: f.dir, engine: { threads: 1 } });
    for (const [name, m] of Object.entries(r.models)) {
      assert.equal(m.status, 'built', name);
      assert.equal(m.rows, 6, name);
      assert.equal(m.tests.failed, 0, name);
    }
    assert.deepEqual(Object.keys(r.models).sort(), ['permission_features', 'static_features', 'stg_kronodroid__apps', 'syscall_features', 'training_apps']);
    const warn = r.tests.filter((t) => t.status === 'warn');
    assert.deepEqual(warn.map((t) => [t.model, t.column, t.offending]), [['stg_kronodroid__apps', 'event_timestamp', 1]], 'one app has no usable date');

    const table = async (name: string) => `read_parquet(${literal(await f.lake.tablePath('main', name))})`;
    const stg = await queryRows<Record<string, unknown>>(conn, `SELECT sha256, "Package", CAST(event_timestamp AS VARCHAR) AS ts, "MalFamily", "year_month" FROM ${await table('stg_kronodroid__apps')} ORDER BY sha256`);
    assert.deepEqual(stg.map((s) => [s.Package, s.ts]), [
      ['app1', '2019-06-15 00:00:00'],
      ['new', '2019-09-01 00:00:00'],
      ['app3', '2018-05-05 00:00:00'],
      ['app4', '2017-03-03 00:00:00'],
      ['app5', null],
      ['app6', '2019-06-15 00:00:00'],
    ]);
    assert.equal(stg[4]?.year_month, null, 'sentinel year_month is NULL');
    assert.equal(stg[5]?.MalFamily, null, 'blank family is NULL');

    const [sys] = await queryRows<Record<string, number>>(conn, `SELECT syscall_total, syscall_distinct, syscall_file_share, syscall_network_share, syscall_memory_share, syscall_process_share, nr_syscalls FROM ${await table('syscall_features')} WHERE sha256 = '${'1'.padStart(64, '0')}'`);
    assert.deepEqual(sys, { syscall_total: 10, syscall_distinct: 4, syscall_file_share: 0.6, syscall_network_share: 0.2, syscall_memory_share: 0.1, syscall_process_share: 0.1, nr_syscalls: 10 });
    const [perm] = await queryRows<Record<string, number>>(conn, `SELECT perm_flags_total, perm_flags_dangerous, perm_dangerous_share FROM ${await table('permission_features')} WHERE sha256 = '${'1'.padStart(64, '0')}'`);
    assert.deepEqual(perm, { perm_flags_total: 2, perm_flags_dangerous: 1, perm_dangerous_share: 0.25 }, 'INTERNET and CAMERA; CAMERA is dangerous');
    const [stat] = await queryRows<Record<string, number>>(conn, `SELECT apk_compression_ratio, intent_actions_total FROM ${await table('static_features')} WHERE sha256 = '${'1'.padStart(64, '0')}'`);
    assert.deepEqual(stat, { apk_compression_ratio: 0.5, intent_actions_total: 5 });

    const cols = (await queryRows<{ column_name: string }>(conn, `DESCRIBE SELECT * FROM ${await table('training_apps')}`)).map((c) => c.column_name);
    for (const leak of ['Scanners', 'Detection_Ratio', 'TimesSubmitted', 'NrContactedIps', 'Package', '_source']) assert.ok(!cols.includes(leak), `${leak} must not reach training_apps`);
    assert.deepEqual(FEATURE_COLUMNS.filter((c) => !cols.includes(c)), [], 'every feature column is in training_apps');
    assert.deepEqual(cols.slice(0, 5), ['sha256', 'event_timestamp', 'Malware', 'MalFamily', 'Categories']);
    assert.equal((await f.lake.resolve('main')).tables.training_apps?.key, 'sha256');
  } finally {
    conn.closeSync();
    await f.lake.close();
  }
});
