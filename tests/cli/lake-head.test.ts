// `dfp lake head` on a wide table (KronoDroid has ~500 columns): by default the identifying columns and as many
// others as fit 120 characters (stdout is a pipe here), with a line saying how to see more; --columns picks and
// orders columns, or shows all; unknown names are a usage error naming them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/core/config/load.ts';
import { literal, openDuckDb } from '../../src/engine/duckdb/connection.ts';
import { openLake } from '../../src/lake/open.ts';
import { runDfp } from '../support/cli.ts';

const home = mkdtempSync(join(tmpdir(), 'dfp-lake-head-'));
const WIDE = 200;
after(() => rmSync(home, { recursive: true, force: true }));

before(async () => {
  const conn = await openDuckDb();
  const file = join(home, 'wide.parquet');
  const numbers = Array.from({ length: WIDE }, (_, j) => `(i * ${j + 1})::BIGINT AS c${j}`).join(', ');
  // Package ends in a newline, as in the KronoDroid archives; `nothing` is empty in every row.
  await conn.run(
    `COPY (SELECT ${numbers}, NULL::VARCHAR AS nothing, 'com.example.app' || i || chr(10) AS Package, (i % 2)::INTEGER AS Malware, lpad(i::VARCHAR, 64, 'a') AS sha256 FROM range(1, 6) r(i)) TO ${literal(file)} (FORMAT parquet)`,
  );
  conn.closeSync();
  const lake = await openLake(loadConfig({ env: { DFP_HOME: home } }).config);
  await lake.commit({ branch: 'main', message: 'wide', tables: { wide: { file, key: 'sha256' } } });
  await lake.close();
});

const head = (...args: string[]) => runDfp(['lake', 'head', 'wide', ...args], { DFP_HOME: home });
const cells = (line: string) => line.trim().split(/\s{2,}/);

test('default: key, label and text columns first, then as many as fit 120 characters, and how to see more', () => {
  const r = head('-n', '3');
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 1 + 3 + 1, r.stdout);
  for (const l of lines.slice(0, -1)) assert.ok(l.length <= 120, `${l.length} characters: ${l}`);
  const header = cells(lines[0]!);
  assert.deepEqual(header.slice(0, 5), ['sha256', 'Malware', 'Package', 'c0', 'c1']);
  assert.ok(!header.includes('nothing'), 'a column empty in every shown row does not take the room of one with values');
  assert.ok(header.length > 6 && header.length < WIDE, String(header.length));
  assert.match(lines[1]!, /com\.example\.app1\\n/, 'a line break inside a value is shown as \\n, not broken across lines');
  assert.equal(lines.at(-1), `(${header.length} of ${WIDE + 4} columns; choose with --columns a,b,… or see every one with --columns all or --json)`);
});

test('--columns picks and orders; all shows every column; --json returns the chosen columns only', () => {
  const picked = head('--columns', 'c7, sha256', '-n', '2');
  assert.equal(picked.code, 0, picked.stderr);
  const lines = picked.stdout.trimEnd().split('\n');
  assert.deepEqual(lines.map(cells), [['c7', 'sha256'], ['8', `${'a'.repeat(23)}…`], ['16', `${'a'.repeat(23)}…`]]);

  const all = head('--columns', 'all', '-n', '1');
  assert.equal(cells(all.stdout.split('\n')[0]!).length, WIDE + 4, 'every column, the empty one too');
  assert.doesNotMatch(all.stdout, /of \d+ columns/);

  const json = head('--columns', 'c1,Package', '-n', '2', '--json');
  const doc = JSON.parse(json.stdout) as { columns: string[]; rows: Record<string, unknown>[] };
  assert.deepEqual(doc.columns, ['c1', 'Package']);
  assert.deepEqual(doc.rows.map((row) => Object.keys(row)), [['c1', 'Package'], ['c1', 'Package']]);
  const full = JSON.parse(head('-n', '1', '--json').stdout) as { columns: string[] };
  assert.equal(full.columns.length, WIDE + 4, '--json without --columns keeps every column');
});

test('--columns with unknown names exits 2 naming them, with a near match', () => {
  const r = head('--columns', 'sha256,C3,nope', '--json');
  assert.equal(r.code, 2);
  const err = (JSON.parse(r.stdout) as { error: { message: string } }).error;
  assert.match(err.message, /^--columns: wide has no column 'C3', 'nope' \(did you mean c3\?\)/);
});
