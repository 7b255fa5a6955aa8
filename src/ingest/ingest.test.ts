// End to end through the lake: the real 2019 subset (1,622 rows, then "unchanged" on the second run),
// quarantine committed with the data, nothing committed for a refused file, and the CLI's JSON.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runDfp } from '../../tests/support/cli.ts';
import { haveRealData, REAL_2019 } from '../../tests/support/shared-data.ts';
import { isDfpError } from '../core/errors.ts';
import { openLake } from '../lake/open.ts';
import { runIngest, SCHEMA_HASH } from './ingest.ts';
import { configFor, csvText, headerFor, rowFor, scratch, writeCsv } from './testing.ts';

async function ingestInto(home: string, source: string, extra: { table?: string } = {}) {
  const config = configFor(home);
  const lake = await openLake(config);
  try {
    return { result: await runIngest({ source, branch: 'main', config, lake, cwd: home, ...extra }), lake };
  } finally {
    await lake.close();
  }
}

test('the real 2019 subset: 1,622 rows loaded, none quarantined; a second ingest is unchanged', async (t) => {
  if (!haveRealData(t)) return;
  const home = scratch();
  const { result: first } = await ingestInto(home, REAL_2019);
  assert.equal(first.status, 'committed');
  assert.deepEqual([first.input_rows, first.loaded_rows, first.quarantined_rows], [1622, 1622, 0]);
  assert.deepEqual(first.tables, { kronodroid_real: { rows: 1622, added: 1622, replaced: 0, unchanged: 0 } });
  const { result: second } = await ingestInto(home, REAL_2019);
  assert.equal(second.status, 'unchanged');
  assert.equal(second.commit, first.commit);
  assert.deepEqual(second.tables.kronodroid_real, { rows: 1622, added: 0, replaced: 0, unchanged: 1622 });
});

test('quarantined rows are committed with the data and written as CSV; metadata records the ingest', async () => {
  const home = scratch();
  const file = writeCsv(home, 'apps.csv', 6, { over: { 2: { execve: '-1' }, 5: { Malware: '' } } });
  const { result } = await ingestInto(home, file);
  assert.deepEqual([result.input_rows, result.loaded_rows, result.quarantined_rows], [6, 4, 2]);
  assert.equal(result.quarantine_table, 'quarantine');
  const csv = readFileSync(result.quarantine, 'utf8').trim().split('\n');
  assert.equal(csv[0], 'source,row,column,reason,detail,sha256,table,raw');
  assert.match(csv[1]!, /^apps\.csv,2,execve,negative,/);
  assert.match(csv[2]!, /^apps\.csv,5,Malware,missing_label,/);

  const lake = await openLake(configFor(home));
  try {
    const commit = await lake.resolve('main');
    assert.deepEqual(Object.keys(commit.tables).sort(), ['kronodroid_real', 'quarantine']);
    assert.equal(commit.tables.kronodroid_real?.rows, 4);
    assert.equal(commit.tables.quarantine?.rows, 2);
    assert.equal(commit.tables.kronodroid_real?.key, 'sha256');
    const m = commit.metadata as Record<string, unknown>;
    assert.deepEqual([m.input_rows, m.loaded_rows, m.quarantined_rows, m.layout, m.schema_hash], [6, 4, 2, 'enhanced', SCHEMA_HASH]);
    const sources = m.sources as { uri: string; sha256: string; bytes: number }[];
    assert.equal(sources[0]?.bytes, readFileSync(file).length);
  } finally {
    await lake.close();
  }
  const { result: again } = await ingestInto(home, file);
  assert.equal(again.status, 'unchanged');
  assert.equal(again.commit, result.commit);
});

test('a refused file commits nothing', async () => {
  const home = scratch();
  const { result: first } = await ingestInto(home, writeCsv(home, 'ok.csv', 3));
  const header = headerFor().filter((h) => h !== 'sha256');
  const bad = join(home, 'nokey.csv');
  writeFileSync(bad, csvText(header, [rowFor(header, 9)]));
  await assert.rejects(ingestInto(home, bad), (e: unknown) => isDfpError(e) && e.code === 'SCHEMA_MISMATCH' && /nokey\.csv lacks required column sha256/.test(e.message));
  const lake = await openLake(configFor(home));
  try {
    assert.equal(await lake.head('main'), first.commit);
  } finally {
    await lake.close();
  }
});

test('dfp ingest --json prints the documented keys', () => {
  const home = scratch();
  const file = writeCsv(home, 'cli.csv', 4, { over: { 3: { read: 'x' } } });
  const r = runDfp(['ingest', '--source', file, '--json'], { DFP_HOME: home });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  for (const key of ['commit', 'branch', 'status', 'tables', 'input_rows', 'loaded_rows', 'quarantined_rows', 'quarantine']) assert.ok(key in doc, `missing ${key}`);
  assert.equal(doc.branch, 'main');
  assert.equal(doc.status, 'committed');
  assert.deepEqual([doc.input_rows, doc.loaded_rows, doc.quarantined_rows], [4, 3, 1]);
  assert.equal((doc.tables as Record<string, { rows: number }>).kronodroid_real?.rows, 3);
  assert.ok(existsSync(doc.quarantine as string));

  const human = runDfp(['ingest', '--source', file], { DFP_HOME: home });
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /unchanged/);
  assert.match(human.stdout, /input 4 rows: 3 loaded, 1 quarantined/);
  assert.match(human.stdout, /top quarantine reasons: non_numeric 1/);
});
