// Which capture the transform reads: data.table selects the lake table behind source('kronodroid', 'raw').
// Real and emulator files ingested into one workspace; `dfp transform data=kronodroid_emulator` builds the
// mart from the emulator rows only, switching back rebuilds from the real rows, and a missing table is a
// NOT_FOUND that names it and the ingest to run. Through the real binary, on files the test writes.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runDfp } from '../../tests/support/cli.ts';
import { literal, openDuckDb, queryRows } from '../engine/duckdb/connection.ts';
import { configFor, shaOf, writeTrainableCsv } from '../ingest/testing.ts';
import { openLake } from '../lake/open.ts';
import { DEFAULT_PROJECT } from './defaults.ts';
import { runTransform } from './run.ts';
import { commitRaw, rawApp, tempLake } from './testing/fixtures.ts';

interface TransformJson {
  commit: string;
  read_from: string;
  sources: Record<string, string>;
  models: Record<string, { status: string; rows: number; tests: { failed: number } }>;
}
interface ErrorJson {
  error: { code: string; message: string; details?: { table?: string; source?: string } };
}

const EMULATOR_ROWS = 6;
const REAL_ROWS = 4;
const ids = (first: number, n: number) => Array.from({ length: n }, (_, k) => shaOf(first + k)).sort();

function dfp(home: string, args: string[]) {
  return runDfp(args, { DFP_HOME: home });
}

function transform(home: string, overrides: string[] = []): TransformJson {
  const r = dfp(home, ['transform', '--json', ...overrides]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as TransformJson;
}

/** sha256 and event_timestamp of training_apps at `commit`, read back from the lake. */
async function trainingApps(home: string, commit: string): Promise<{ sha256: string; ts: string | null }[]> {
  const lake = await openLake(configFor(home));
  const conn = await openDuckDb({ threads: 1 });
  try {
    const path = await lake.tablePath(commit, 'training_apps');
    return await queryRows(conn, `SELECT sha256, CAST(event_timestamp AS VARCHAR) AS ts FROM read_parquet(${literal(path)}) ORDER BY sha256`);
  } finally {
    conn.closeSync();
    await lake.close();
  }
}

function ingest(home: string, file: string, overrides: string[] = []): string {
  const r = dfp(home, ['ingest', '--source', file, ...overrides]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('data=kronodroid_emulator: training_apps holds exactly the emulator rows; back to the default rebuilds from the real rows', async () => {
  const home = mkdtempSync(join(tmpdir(), 'dfp-capture-'));
  const emulator = writeTrainableCsv(home, 'emulator.csv', EMULATOR_ROWS, { layout: 'official-emulator', first: 100 });
  const real = writeTrainableCsv(home, 'real.csv', REAL_ROWS, { layout: 'official-real', first: 0 });

  // Ingest routes by layout, whatever the preset; it points out when transform will read the other capture.
  assert.match(ingest(home, real), /kronodroid_real: 4 rows/);
  const out = ingest(home, emulator);
  assert.match(out, /kronodroid_emulator: 6 rows/);
  assert.match(out, /note: dfp transform reads data\.table=kronodroid_real, not kronodroid_emulator/);
  assert.doesNotMatch(ingest(home, emulator, ['data=kronodroid_emulator']), /note:/, 'no note when the preset reads what was written');

  const { config } = JSON.parse(dfp(home, ['config', 'show', '--json', 'data=kronodroid_emulator']).stdout) as { config: { data: { table: string; source: string } } };
  assert.deepEqual([config.data.table, config.data.source], ['kronodroid_emulator', 'kronodroid:emulator']);

  const emu = transform(home, ['data=kronodroid_emulator']);
  assert.deepEqual(emu.sources, { 'kronodroid.raw': 'kronodroid_emulator' });
  for (const [name, m] of Object.entries(emu.models)) {
    assert.equal(m.status, 'built', name);
    assert.equal(m.rows, EMULATOR_ROWS, name);
    assert.equal(m.tests.failed, 0, name);
  }
  const emuApps = await trainingApps(home, emu.commit);
  assert.deepEqual(emuApps.map((a) => a.sha256), ids(100, EMULATOR_ROWS));
  // The emulator layout has no HighestModDate: event_timestamp comes from LastModDate.
  assert.ok(emuApps.every((a) => a.ts !== null && /^2019-\d\d-15 /.test(a.ts)), JSON.stringify(emuApps));

  const back = transform(home);
  assert.deepEqual(back.sources, { 'kronodroid.raw': 'kronodroid_real' });
  for (const [name, m] of Object.entries(back.models)) {
    assert.equal(m.status, 'built', `${name}: switching capture re-runs`);
    assert.equal(m.rows, REAL_ROWS, name);
  }
  assert.deepEqual((await trainingApps(home, back.commit)).map((a) => a.sha256), ids(0, REAL_ROWS));

  assert.deepEqual(Object.values(transform(home).models).map((m) => m.status), Object.keys(back.models).map(() => 'cached'), 'same capture again: cached');
  const again = transform(home, ['data.table=kronodroid_emulator']);
  assert.deepEqual(Object.values(again.models).map((m) => m.status), Object.keys(again.models).map(() => 'built'));
  assert.deepEqual((await trainingApps(home, again.commit)).map((a) => a.sha256), ids(100, EMULATOR_ROWS));
});

test('data.table missing at the ref: NOT_FOUND naming the table and the ingest to run; nothing committed', () => {
  const home = mkdtempSync(join(tmpdir(), 'dfp-capture-missing-'));
  ingest(home, writeTrainableCsv(home, 'real.csv', REAL_ROWS, { layout: 'official-real' }));
  const head = JSON.parse(dfp(home, ['lake', 'log', '--json']).stdout) as unknown;

  const r = dfp(home, ['transform', '--json', 'data=kronodroid_emulator']);
  assert.equal(r.code, 1, r.stderr);
  const { error } = JSON.parse(r.stdout) as ErrorJson;
  assert.equal(error.code, 'NOT_FOUND');
  assert.equal(error.details?.table, 'kronodroid_emulator');
  assert.equal(error.details?.source, 'kronodroid.raw');
  assert.match(error.message, /lake table 'kronodroid_emulator', which is not at main/);
  assert.match(error.message, /`dfp ingest data=kronodroid_emulator`/);
  assert.match(error.message, /`dfp ingest --source <emulator-layout file>`/);
  assert.match(error.message, /`dfp transform data=kronodroid_real`/, 'the capture that is there is named');
  assert.deepEqual(JSON.parse(dfp(home, ['lake', 'log', '--json']).stdout), head, 'no commit');

  // The other way round: only emulator data, default config.
  const emuHome = mkdtempSync(join(tmpdir(), 'dfp-capture-missing-real-'));
  ingest(emuHome, writeTrainableCsv(emuHome, 'emulator.csv', EMULATOR_ROWS, { layout: 'official-emulator' }));
  const d = dfp(emuHome, ['transform']);
  assert.equal(d.code, 1);
  assert.match(d.stderr, /lake table 'kronodroid_real', which is not at main/);
  assert.match(d.stderr, /`dfp ingest --source <real-device or enhanced file>`/);
  assert.match(d.stderr, /`dfp transform data=kronodroid_emulator`/);
});

test('runTransform sourceTables: overrides the declared table, ignores sources the project lacks, refuses a model table', async () => {
  const f = await tempLake();
  try {
    await commitRaw(f, [rawApp(1), rawApp(2)], 'kronodroid_emulator');
    const base = { lake: f.lake, project: DEFAULT_PROJECT, branch: 'main', workDir: f.dir, engine: { threads: 1 } };
    await assert.rejects(runTransform(base), /lake table 'kronodroid_real'.*load it first, e.g. `dfp ingest`/);
    const r = await runTransform({ ...base, sourceTables: { 'kronodroid.raw': 'kronodroid_emulator', 'other.thing': 'nope' } });
    assert.deepEqual(r.sources, { 'kronodroid.raw': 'kronodroid_emulator' });
    assert.equal(r.models.training_apps?.rows, 2);
    await assert.rejects(runTransform({ ...base, sourceTables: { 'kronodroid.raw': 'training_apps' } }), /cannot read lake table 'training_apps': a model of the project writes it/);
  } finally {
    await f.lake.close();
  }
});
