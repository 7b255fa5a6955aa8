// Files damaged the ways real downloads and hand edits damage them: every record is loaded or quarantined
// with what was seen, counts reconcile, and the one-pass path never loses a record the reader skipped.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isDfpError } from '../core/errors.ts';
import { REAL_2019, haveRealData } from '../../tests/support/shared-data.ts';
import { IngestPass } from './pass.ts';
import { planFile } from './plan.ts';
import { stageFile } from './stage.ts';
import { csvFile, csvText, headerFor, prepare, query, quarantined, rowFor, scratch } from './testing.ts';

const header = headerFor();
const record = (i: number, over: Record<string, string> = {}) => csvText(header, [rowFor(header, i, over)]).split('\n').slice(1).join('\n').replace(/\n$/, '');
const headerLine = csvText(header, []).replace(/\n$/, '');
const pick = (rows: { row: number; column: string | null; reason: string }[]) => rows.map((r) => [r.row, r.column, r.reason]);

function write(name: string, text: string | Buffer): string {
  const path = join(scratch(), name);
  writeFileSync(path, text);
  return path;
}

/** Every column of a prepared table, in sha256 order, for comparing two ingests of the same records. */
async function tableRows(file: string) {
  const rows = await query(`SELECT * EXCLUDE (_source) FROM read_parquet('${file}') ORDER BY sha256`);
  return JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
}

test('CR CR LF, bare CR and mixed line ends load every record with the values of the LF file', async () => {
  const recs = Array.from({ length: 6 }, (_, i) => record(i));
  const reference = await prepare([csvFile(write('lf.csv', `${[headerLine, ...recs].join('\n')}\n`))]);
  const variants = {
    'crcrlf.csv': `${[headerLine, ...recs].join('\r\r\n')}\r\r\n`,
    'cr.csv': `${[headerLine, ...recs].join('\r')}\r`,
    'mixed.csv': `${headerLine}\r\n${recs[0]}\n${recs[1]}\r${recs[2]}\r\r\n${recs[3]}\n\n${recs[4]}\r\n${recs[5]}`,
  };
  for (const [name, text] of Object.entries(variants)) {
    const p = await prepare([csvFile(write(name, text))]);
    assert.equal(p.inputRows, 6, name);
    assert.equal(p.loadedRows, 6, name);
    assert.equal(p.quarantinedRows, 0, name);
    assert.equal(await tableRows(p.tables.kronodroid_real!.file), await tableRows(reference.tables.kronodroid_real!.file), name);
  }
});

test('a NUL byte quarantines its record naming the field; scan and reader refusals keep later row numbers right', async () => {
  const lines = [
    record(0),
    record(1, { read: '4\u00002' }),
    record(2),
    `${record(3)},99`,
    record(4),
    record(5, { write: '-3' }),
    record(6),
  ];
  // Row 2 holds a NUL inside 'read'; make sure the replacement hit that field and nothing else.
  assert.equal(lines[1]!.split('\u0000').length, 2);
  const p = await prepare([csvFile(write('nul.csv', `${[headerLine, ...lines].join('\n')}\n`))]);
  assert.equal(p.inputRows, 7);
  assert.equal(p.loadedRows, 4);
  assert.equal(p.quarantinedRows, 3);
  const q = await quarantined(p);
  assert.deepEqual(pick(q), [[2, 'read', 'nul_byte'], [4, null, 'field_count'], [6, 'write', 'negative']]);
  assert.match(q[0]!.detail, /NUL byte \(0x00\) at byte \d+ of the record, in field \d+ \(read\)/);
  const raw = await query<{ raw: string }>(`SELECT raw FROM read_csv('${p.quarantineCsv}', header = true) WHERE "row" = 2`);
  assert.match(raw[0]!.raw, /^"com\.example\.app1/);
  const loaded = await query<{ Package: string }>(`SELECT Package FROM read_parquet('${p.tables.kronodroid_real!.file}') ORDER BY Package`);
  assert.deepEqual(loaded.map((r) => r.Package), ['com.example.app0', 'com.example.app2', 'com.example.app4', 'com.example.app6']);
});

test('a huge record without a line end is quarantined as row_too_long with an excerpt, never dropped', async () => {
  const text = `${[headerLine, record(0), record(1), record(2)].join('\n')}\n${'x'.repeat(1_500_000)}`;
  for (const onePass of [true, false]) {
    const p = await prepare([csvFile(write('long.csv', text))], {}, undefined, onePass);
    assert.equal(p.inputRows, 4);
    assert.equal(p.loadedRows, 3);
    const q = await quarantined(p);
    assert.deepEqual(pick(q), [[4, null, 'row_too_long']]);
    assert.match(q[0]!.detail, /record of 1,500,000 bytes is longer than the 1,048,576-byte limit, with no line end before the end of the file/);
    const raw = await query<{ raw: string }>(`SELECT raw FROM read_csv('${p.quarantineCsv}', header = true)`);
    assert.equal(raw[0]!.raw, `${'x'.repeat(200)}…`);
  }
});

test('a quote still open at the end of the file is quarantined as malformed, saying so', async () => {
  const p = await prepare([csvFile(write('cut.csv', `${[headerLine, record(0), record(1)].join('\n')}\n"com.example.cut\n,0,1,2`))]);
  assert.equal(p.inputRows, 3);
  assert.equal(p.loadedRows, 2);
  const q = await quarantined(p);
  assert.deepEqual(pick(q), [[3, null, 'malformed']]);
  assert.match(q[0]!.detail, /quote opened at byte 0 of the record is never closed: no line end before the end of the file/);
});

test('records dfp and the reader count differently refuse the whole file, naming it and both counts', async () => {
  const path = write('five.csv', `${[headerLine, ...[0, 1, 2, 3, 4].map((i) => record(i))].join('\n')}\n`);
  const pass = await IngestPass.open(scratch('dfp-ingest-work-'));
  try {
    const plan = planFile('five.csv', header);
    // A scan that disagrees with the reader stands in for a file whose record ends the two read differently.
    const scan = { records: 6, refused: [], irregularLineEnds: 0, needsCopy: false };
    await assert.rejects(stageFile(pass, csvFile(path), 0, plan, 'kronodroid_real', { scan }), (e: unknown) => {
      assert.ok(isDfpError(e) && e.code === 'INPUT_INVALID');
      assert.match(e.message, /cannot account for every record of five\.csv: dfp counts 6 records, the CSV reader 5/);
      return true;
    });
  } finally {
    pass.close();
  }
});

test('the real file with CR CR LF line ends: every record is loaded or quarantined, counts reconcile', async (t) => {
  if (!haveRealData(t)) return;
  // The reproduction: `head -7 kronodroid-real-2019.csv | sed 's/$/\r/'` (the cut ends inside a record).
  const lines = readFileSync(REAL_2019, 'latin1').split('\n').slice(0, 7);
  const path = write('x.csv', Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'latin1'));
  const p = await prepare([csvFile(path, 'x.csv')]);
  assert.equal(p.loadedRows + p.quarantinedRows, p.inputRows);
  assert.ok(p.loadedRows >= 2, `expected the complete records to load, got ${p.loadedRows}`);
  for (const r of await quarantined(p)) assert.ok(r.reason === 'malformed' || r.reason === 'field_count', `${r.row}: ${r.reason} ${r.detail}`);
});
