// Every class of bad input, each in a real malformed file: exact loaded/quarantined counts and the
// row, column and reason of each quarantined row; a file missing columns is refused whole.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDfpError } from '../core/errors.ts';
import { csvFile, csvText, headerFor, prepare, query, quarantined, rowFor, scratch, shaOf, writeCsv } from './testing.ts';

const pick = (rows: { row: number; column: string | null; reason: string }[]) => rows.map((r) => [r.row, r.column, r.reason]);

test('a clean file loads every row, none quarantined', async () => {
  const p = await prepare([csvFile(writeCsv(scratch(), 'clean.csv', 10))]);
  assert.equal(p.inputRows, 10);
  assert.equal(p.loadedRows, 10);
  assert.equal(p.quarantinedRows, 0);
  assert.equal(p.tables.kronodroid_real?.rows, 10);
  assert.equal(p.onePass, true);
  assert.deepEqual(await quarantined(p), []);
});

test('non-numeric and empty counts are quarantined with row and column', async () => {
  const file = writeCsv(scratch(), 'nonnum.csv', 8, { over: { 3: { execve: 'abc' }, 5: { read: '' }, 6: { CFileSize: '12kB' } } });
  const p = await prepare([csvFile(file)]);
  assert.equal(p.inputRows, 8);
  assert.equal(p.loadedRows, 5);
  assert.equal(p.quarantinedRows, 3);
  assert.equal(p.onePass, false, 'a file with bad rows is staged so each is named');
  const q = await quarantined(p);
  assert.deepEqual(pick(q), [[3, 'execve', 'non_numeric'], [5, 'read', 'non_numeric'], [6, 'CFileSize', 'non_numeric']]);
  assert.match(q[0]!.detail, /"abc" is not a number/);
  assert.equal(q[1]!.detail, 'empty value');
  assert.ok(q.every((r) => r.source === 'nonnum.csv'));
});

test('negative, fractional and oversized counts are quarantined', async () => {
  const file = writeCsv(scratch(), 'neg.csv', 6, { over: { 2: { write: '-4' }, 4: { futex: '2.5' }, 5: { INTERNET: '3000000000' } } });
  const p = await prepare([csvFile(file)]);
  assert.equal(p.loadedRows, 3);
  assert.equal(p.quarantinedRows, 3);
  const q = await quarantined(p);
  assert.deepEqual(pick(q), [[2, 'write', 'negative'], [4, 'futex', 'not_integer'], [5, 'INTERNET', 'out_of_range']]);
  assert.match(q[0]!.detail, /-4(\.0)? is negative/);
});

test('NaN and infinite counts are quarantined, never loaded', async () => {
  const file = writeCsv(scratch(), 'nan.csv', 5, { over: { 1: { read: 'nan' }, 3: { ioctl: 'inf' }, 4: { READ_PHONE_STATE: '-inf' } } });
  const p = await prepare([csvFile(file)]);
  assert.equal(p.loadedRows, 2);
  assert.equal(p.quarantinedRows, 3);
  assert.deepEqual(pick(await quarantined(p)), [[1, 'read', 'non_numeric'], [3, 'ioctl', 'out_of_range'], [4, 'READ_PHONE_STATE', 'negative']]);
});

test('a missing or non-0/1 label is quarantined', async () => {
  const file = writeCsv(scratch(), 'label.csv', 7, { over: { 4: { Malware: '' }, 6: { Malware: '2' }, 7: { Malware: 'yes' } } });
  const p = await prepare([csvFile(file)]);
  assert.equal(p.loadedRows, 4);
  assert.equal(p.quarantinedRows, 3);
  assert.deepEqual(pick(await quarantined(p)), [[4, 'Malware', 'missing_label'], [6, 'Malware', 'bad_label'], [7, 'Malware', 'bad_label']]);
});

test('records with the wrong number of fields are quarantined and later row numbers stay right', async () => {
  const header = headerFor();
  const extra = [...rowFor(header, 2), '99'];
  const short = rowFor(header, 4).slice(0, 100);
  const dir = scratch();
  const path = join(dir, 'fields.csv');
  writeFileSync(path, csvText(header, [rowFor(header, 0), rowFor(header, 1), extra, rowFor(header, 3), short, rowFor(header, 5), rowFor(header, 6, { write: '-1' })]));
  const p = await prepare([csvFile(path)]);
  assert.equal(p.inputRows, 7);
  assert.equal(p.loadedRows, 4);
  assert.equal(p.quarantinedRows, 3);
  const q = await quarantined(p);
  // Row 7 comes after two refused records: its number must still be 7 (the Package fields hold newlines too).
  assert.deepEqual(pick(q), [[3, null, 'field_count'], [5, header[100]!, 'field_count'], [7, 'write', 'negative']]);
  assert.equal(q[0]!.detail, `expected ${header.length} fields, found ${header.length + 1}`);
  assert.equal(q[1]!.detail, `expected ${header.length} fields, found 100`);
  // The loaded rows are the other four, in file order.
  const rows = await query<{ Package: string }>(`SELECT Package FROM '${p.tables.kronodroid_real!.file}'`);
  assert.deepEqual(rows.map((r) => r.Package), ['com.example.app0', 'com.example.app1', 'com.example.app3', 'com.example.app5']);
});

test('a sha256 with conflicting labels is quarantined in every row; a same-label repeat keeps the first', async () => {
  const file = writeCsv(scratch(), 'dups.csv', 8, {
    over: {
      2: { sha256: shaOf(100), Malware: '0' },
      7: { sha256: shaOf(100), Malware: '1' },
      5: { sha256: shaOf(101), Malware: '1' },
      8: { sha256: shaOf(101), Malware: '1' },
    },
  });
  const p = await prepare([csvFile(file)]);
  assert.equal(p.inputRows, 8);
  assert.equal(p.loadedRows, 5);
  assert.equal(p.quarantinedRows, 3);
  const q = await quarantined(p);
  assert.deepEqual(pick(q), [[2, 'Malware', 'label_conflict'], [7, 'Malware', 'label_conflict'], [8, 'sha256', 'duplicate']]);
  assert.match(q[2]!.detail, /dups\.csv row 5/);
});

test('a label that conflicts with the lake table is quarantined; other rows merge', async () => {
  const dir = scratch();
  const first = await prepare([csvFile(writeCsv(dir, 'a.csv', 4))]);
  const lake = { kronodroid_real: first.tables.kronodroid_real!.file };
  // Row 1 of b.csv is app 3 (label 1 in the lake) with its label flipped; rows 2–3 are new apps.
  const b = writeCsv(dir, 'b.csv', 3, { first: 3, over: { 1: { Malware: '0' } } });
  const p = await prepare([csvFile(b)], lake);
  assert.equal(p.loadedRows, 2);
  assert.equal(p.quarantinedRows, 1);
  const q = await quarantined(p);
  assert.deepEqual(pick(q), [[1, 'Malware', 'label_conflict']]);
  assert.match(q[0]!.detail, /conflicts with label 1 already in the lake/);
  assert.equal(p.tables.kronodroid_real?.rows, 6);
  assert.equal(p.tables.kronodroid_real?.added, 2);
});

test('unparsable dates are quarantined; the archive formats and the 1980 sentinel are read', async () => {
  const file = writeCsv(scratch(), 'dates.csv', 5, {
    layout: 'official-real',
    over: { 1: { HighestModDate: '2019-11-11 10:00:00' }, 2: { HighestModDate: '11/12/2019' }, 3: { HighestModDate: 'soon' }, 4: { EarliestModDate: '2019-13-45' } },
  });
  const p = await prepare([csvFile(file)]);
  assert.equal(p.loadedRows, 3);
  assert.equal(p.quarantinedRows, 2);
  assert.deepEqual(pick(await quarantined(p)), [[3, 'HighestModDate', 'bad_date'], [4, 'EarliestModDate', 'bad_date']]);
  const rows = await query<{ r: number; e: unknown; h: string }>(
    `SELECT sha256 AS r, EarliestModDate AS e, strftime(HighestModDate, '%Y-%m-%d') AS h FROM '${p.tables.kronodroid_real!.file}'`,
  );
  assert.deepEqual(rows, [{ r: shaOf(0), e: null, h: '2019-11-11' }, { r: shaOf(1), e: null, h: '2019-11-12' }, { r: shaOf(4), e: null, h: '2019-11-11' }]);
});

test('a file missing required columns is refused whole, naming them', async () => {
  const dir = scratch();
  const header = headerFor().filter((h) => h !== 'execve' && h !== 'Malware');
  const path = join(dir, 'narrow.csv');
  writeFileSync(path, csvText(header, [rowFor(header, 0)]));
  const good = writeCsv(dir, 'good.csv', 3);
  await assert.rejects(prepare([csvFile(good), csvFile(path)]), (e: unknown) => {
    assert.ok(isDfpError(e));
    assert.equal(e.code, 'SCHEMA_MISMATCH');
    assert.match(e.message, /narrow\.csv lacks required columns Malware, execve/);
    assert.deepEqual(e.details?.missing, ['Malware', 'execve']);
    return true;
  });
});
