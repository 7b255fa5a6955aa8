// Local sources: a zip of CSVs, a gzipped CSV, Parquet (typed and all-text) and a folder mixing them,
// each resolved to data files with lineage names and then validated like any CSV.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isDfpError } from '../core/errors.ts';
import { resolveSource } from './source.ts';
import { configFor, csvText, headerFor, prepare, query, quarantined, rowFor, scratch, writeCsv, zipBytes } from './testing.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function csvBytes(n: number, first = 0, over: Record<number, Record<string, string>> = {}): Buffer {
  const header = headerFor();
  return Buffer.from(csvText(header, Array.from({ length: n }, (_, k) => rowFor(header, first + k, over[k + 1]))));
}

async function resolveIn(dir: string, source: string) {
  return resolveSource(source, { config: configFor(dir), workDir: join(dir, 'work'), cwd: dir });
}

test('a zip of CSVs: each data member is read, other entries are skipped', async () => {
  const dir = scratch();
  const zip = zipBytes([
    { name: 'real_legitimate_v1.csv', data: csvBytes(3) },
    { name: 'README.txt', data: Buffer.from('not data') },
    { name: '__MACOSX/._real_malware_v1.csv', data: Buffer.from('resource fork') },
    { name: 'data/real_malware_v1.csv', data: csvBytes(2, 10, { 2: { Malware: 'x' } }) },
  ]);
  writeFileSync(join(dir, 'kronodroid.zip'), zip);
  const r = await resolveIn(dir, 'kronodroid.zip');
  assert.deepEqual(r.sources, [{ uri: 'kronodroid.zip', sha256: sha(zip), bytes: zip.length }]);
  assert.deepEqual(r.files.map((f) => [f.name, f.format]), [
    ['kronodroid.zip!/data/real_malware_v1.csv', 'csv'],
    ['kronodroid.zip!/real_legitimate_v1.csv', 'csv'],
  ]);
  const p = await prepare(r.files);
  assert.deepEqual([p.inputRows, p.loadedRows, p.quarantinedRows], [5, 4, 1]);
  const q = await quarantined(p);
  assert.deepEqual(q.map((x) => [x.source, x.row, x.column, x.reason]), [['kronodroid.zip!/data/real_malware_v1.csv', 2, 'Malware', 'bad_label']]);
});

test('a gzipped CSV is read by content, whatever its name', async () => {
  const dir = scratch();
  const gz = gzipSync(csvBytes(6, 0, { 4: { execve: '-3' } }));
  writeFileSync(join(dir, 'apps.csv.gz'), gz);
  writeFileSync(join(dir, 'download'), gz); // no extension, as a download would be
  for (const name of ['apps.csv.gz', 'download']) {
    const r = await resolveIn(dir, name);
    assert.equal(r.files[0]?.format, 'csv.gz');
    const p = await prepare(r.files);
    assert.deepEqual([p.inputRows, p.loadedRows, p.quarantinedRows], [6, 5, 1]);
    assert.deepEqual((await quarantined(p)).map((x) => [x.row, x.column, x.reason]), [[4, 'execve', 'negative']]);
  }
});

test('Parquet inputs, typed or all text, are validated the same way', async () => {
  const dir = scratch();
  const csv = writeCsv(dir, 'src.csv', 5, { over: { 2: { write: '-1' }, 3: { futex: 'lots' } } });
  // Typed: DuckDB's own inference (futex becomes text because of 'lots'; REBOOT is renamed REBOOT_1).
  await query(`COPY (SELECT * FROM read_csv('${csv}')) TO '${join(dir, 'typed.parquet')}' (FORMAT parquet)`);
  await query(`COPY (SELECT * FROM read_csv('${csv}', all_varchar = true)) TO '${join(dir, 'text.parquet')}' (FORMAT parquet)`);
  for (const name of ['typed.parquet', 'text.parquet']) {
    const r = await resolveIn(dir, name);
    assert.equal(r.files[0]?.format, 'parquet');
    const p = await prepare(r.files);
    assert.deepEqual([p.inputRows, p.loadedRows, p.quarantinedRows], [5, 3, 2], name);
    assert.deepEqual((await quarantined(p)).map((x) => [x.row, x.column, x.reason]), [[2, 'write', 'negative'], [3, 'futex', 'non_numeric']], name);
    const [perm] = await query<{ n: number }>(`SELECT count(REBOOT_PERMISSION) AS n FROM '${p.tables.kronodroid_real!.file}'`);
    assert.equal(perm?.n, 3, `${name}: the REBOOT permission survives DuckDB's renaming`);
  }
});

test('a folder: every data file in it, in name order, one source record each', async () => {
  const dir = scratch();
  const data = join(dir, 'in');
  mkdirSync(data);
  writeFileSync(join(data, 'a.csv'), csvBytes(2, 0));
  writeFileSync(join(data, 'b.csv.gz'), gzipSync(csvBytes(2, 2)));
  writeFileSync(join(data, 'c.zip'), zipBytes([{ name: 'c.csv', data: csvBytes(2, 4) }]));
  writeFileSync(join(data, 'notes.txt'), 'ignored');
  const r = await resolveIn(dir, 'in');
  assert.deepEqual(r.sources.map((s) => [s.uri, s.sha256]), [
    ['in/a.csv', sha(readFileSync(join(data, 'a.csv')))],
    ['in/b.csv.gz', sha(readFileSync(join(data, 'b.csv.gz')))],
    ['in/c.zip', sha(readFileSync(join(data, 'c.zip')))],
  ]);
  assert.deepEqual(r.files.map((f) => f.name), ['a.csv', 'b.csv.gz', 'c.zip!/c.csv']);
  const p = await prepare(r.files);
  assert.deepEqual([p.inputRows, p.loadedRows, p.quarantinedRows], [6, 6, 0]);
});

test('a missing path is NOT_FOUND; an archive without data is refused', async () => {
  const dir = scratch();
  await assert.rejects(resolveIn(dir, 'nope.csv'), (e: unknown) => isDfpError(e) && e.code === 'NOT_FOUND' && /nope\.csv/.test(e.message));
  writeFileSync(join(dir, 'empty.zip'), zipBytes([{ name: 'readme.md', data: Buffer.from('x') }]));
  await assert.rejects(resolveIn(dir, 'empty.zip'), (e: unknown) => isDfpError(e) && e.code === 'INPUT_INVALID' && /empty\.zip holds no \.csv/.test(e.message));
});
