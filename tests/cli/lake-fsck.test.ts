// Issue 13's lake reproductions through the real binary, on a self-made KronoDroid-shaped file: a one-byte flip
// or a truncation of a table's Parquet object is CORRUPT (exit 65, naming the object, the table and the ref) on
// `lake head`, `transform` and a re-ingest, never rows read as good data nor INTERNAL (exit 70); `lake fsck`
// lists the object with the refs and tables that use it; a clean ingest that writes the same bytes replaces
// the damaged object (dedup checks what it reuses); `lake fsck --repair` restores it by re-running the
// ingest that wrote it, and says what it cannot restore when the source is gone.
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeCsv } from '../../src/ingest/testing.ts';
import { runDfp } from '../support/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'dfp-cli-fsck-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Doc {
  error?: { code: string; message: string; details?: Record<string, unknown> };
  [k: string]: unknown;
}

function dfp(home: string, ...args: string[]): { code: number; doc: Doc; stderr: string } {
  const r = runDfp([...args, '--json'], { DFP_HOME: home, DFP_LAKE__BACKEND: 'local' });
  return { code: r.code, doc: JSON.parse(r.stdout || '{}') as Doc, stderr: r.stderr };
}

/** A workspace with one ingest of a small file; returns the table's object path and key. */
function workspace(name: string): { home: string; csv: string; key: string; path: string } {
  const home = join(root, name);
  const csv = writeCsv(mkdtempSync(join(root, `${name}-src-`)), 'apps.csv', 40);
  const ingest = dfp(home, 'ingest', '--source', csv);
  assert.equal(ingest.code, 0, ingest.stderr);
  const tables = dfp(home, 'lake', 'tables').doc as unknown as { tables: { name: string; content_hash: string }[] };
  const hash = tables.tables.find((t) => t.name === 'kronodroid_real')?.content_hash as string;
  const key = `objects/${hash}.parquet`;
  return { home, csv, key, path: join(home, 'lake', key) };
}

/** The reproduction: one bit flipped a third of the way in, in place. */
function flipByte(path: string): void {
  const at = Math.floor(statSync(path).size / 3);
  const fd = openSync(path, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0] = (b[0] as number) ^ 1;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
}

function assertCorrupt(r: { code: number; doc: Doc; stderr: string }, key: string, table = 'kronodroid_real'): void {
  assert.equal(r.code, 65, r.stderr);
  assert.equal(r.doc.error?.code, 'CORRUPT', r.stderr);
  for (const part of [key, `table '${table}'`, 'main']) assert.ok(r.doc.error?.message.includes(part), `${part} in: ${r.doc.error?.message}`);
  assert.match(r.stderr, /^dfp: error: /m);
}

test('one-byte flip: CORRUPT on read, fsck lists it, a clean ingest of the same bytes replaces it', () => {
  const { home, csv, key, path } = workspace('flip');
  assert.equal(dfp(home, 'lake', 'head', 'kronodroid_real', '-n', '3').code, 0);
  flipByte(path);

  assertCorrupt(dfp(home, 'lake', 'head', 'kronodroid_real', '-n', '2000'), key);
  assertCorrupt(dfp(home, 'transform'), key);
  assertCorrupt(dfp(home, 'ingest', '--source', csv), key);

  const fsck = dfp(home, 'lake', 'fsck');
  assert.equal(fsck.code, 65, fsck.stderr);
  const report = fsck.doc.error?.details as { ok: boolean; damaged: number; problems: { key: string; state: string; used_by: { ref: string; table: string; at_head: boolean }[] }[] };
  assert.equal(report.ok, false);
  assert.equal(report.damaged, 1);
  assert.deepEqual(report.problems.map((p) => [p.key, p.state, p.used_by.map((u) => `${u.ref}:${u.table}:${u.at_head}`)]), [[key, 'damaged', ['main:kronodroid_real:true']]]);
  const text = runDfp(['lake', 'fsck'], { DFP_HOME: home, DFP_LAKE__BACKEND: 'local' });
  assert.equal(text.code, 65);
  assert.match(text.stdout, new RegExp(`damaged\\s+table\\s+${key.replace('.', '\\.')}\\s+main:kronodroid_real`));
  assert.match(text.stdout, /dfp lake fsck --repair/);

  // The same source into another table writes the same bytes: the damaged object is replaced, not reused.
  const again = dfp(home, 'ingest', '--source', csv, '--table', 'other');
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual((again.doc.repaired as { key: string; table: string }[]).map((r) => [r.key, r.table]), [[key, 'other']]);
  const repaired = dfp(home, 'lake', 'fsck', '--repair');
  assert.equal(repaired.code, 0, repaired.stderr);
  assert.deepEqual([repaired.doc.ok, repaired.doc.problems], [true, []]);
  const head = dfp(home, 'lake', 'head', 'kronodroid_real', '-n', '40');
  assert.equal(head.code, 0, head.stderr);
  assert.equal((head.doc.rows as unknown[]).length, 40);
});

test('truncated object: CORRUPT (not INTERNAL); fsck --repair re-runs the ingest that wrote it', () => {
  const { home, csv, key, path } = workspace('truncate');
  truncateSync(path, 200);
  assertCorrupt(dfp(home, 'lake', 'head', 'kronodroid_real'), key);
  assertCorrupt(dfp(home, 'ingest', '--source', csv), key);

  const repaired = dfp(home, 'lake', 'fsck', '--repair');
  assert.equal(repaired.code, 0, repaired.stderr);
  const problems = repaired.doc.problems as { key: string; repair: { status: string; how: string } }[];
  assert.deepEqual(problems.map((p) => [p.key, p.repair.status]), [[key, 'restored']]);
  assert.match(problems[0]?.repair.how ?? '', /re-ingested .*apps\.csv/);
  assert.equal(statSync(path).size > 200, true);
  assert.equal(dfp(home, 'lake', 'head', 'kronodroid_real').code, 0);
  const branches = dfp(home, 'lake', 'branches').doc as unknown as { branches: { name: string }[] };
  assert.deepEqual(branches.branches.map((b) => b.name), ['main'], 'the scratch branch of the repair is gone');
  assert.equal(dfp(home, 'lake', 'fsck').code, 0);
});

test('fsck --repair says what it cannot restore when the source is gone', () => {
  const { home, csv, key, path } = workspace('gone');
  flipByte(path);
  rmSync(csv);
  const r = dfp(home, 'lake', 'fsck', '--repair');
  assert.equal(r.code, 65, r.stderr);
  const report = r.doc.error?.details as { ok: boolean; problems: { key: string; repair: { status: string; how: string } }[] };
  assert.equal(report.ok, false);
  assert.equal(report.problems[0]?.key, key);
  assert.equal(report.problems[0]?.repair.status, 'not-restored');
  assert.match(report.problems[0]?.repair.how ?? '', /is not there any more.*re-ingest its source on a scratch branch.*dfp ingest --source/);
});
