import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DfpError } from '../core/errors.ts';
import { COUNT_COLUMNS, ENHANCED_HEADER, lakeName } from '../core/kronodroid/schema.ts';
import { openDuckDb, queryRows } from '../engine/duckdb/connection.ts';
import { haveRealData, REAL_2019 as REAL } from '../../tests/support/shared-data.ts';
import { fileRelation, synthesize } from './synthesize.ts';


/** A small real-shaped file: benign rows call `read` 10..19 times, malware rows never; `write` is 0 in every 4th row. */
function fixture(dir: string, rows: number): string {
  const lines = [ENHANCED_HEADER.join(',')];
  for (let i = 0; i < rows; i++) {
    const malware = i % 5 === 0 ? 1 : 0;
    const v: Record<string, string | number> = Object.fromEntries(ENHANCED_HEADER.map((c) => [c, 0]));
    v.Package = `"app${i}\n"`;
    v.Malware = malware;
    v.sha256 = i.toString(16).padStart(64, '0');
    v.read = malware ? 0 : 10 + (i % 10);
    v.write = i % 4 === 0 ? 0 : 3;
    v['Highest-date'] = malware ? '2019-03-15' : '2019-07-02';
    v.year_month = malware ? '2019-03-01' : '2019-07-01';
    v.Year = 2019;
    v.MalFamily = malware ? 'Fam' : '';
    v.Categories = malware ? 'Trojan' : 'Benign';
    lines.push(ENHANCED_HEADER.map((c) => v[c]).join(','));
  }
  const path = join(dir, 'fixture.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

test('synthetic rows follow the fitted label balance, sparsity, ranges and months; same seed, same bytes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfp-synth-'));
  const from = fixture(dir, 200);
  const out = join(dir, 'synth.csv');
  const result = await synthesize({ from, out, rows: 5000, seed: 7 });
  assert.equal(result.rows, 5000);
  assert.equal(result.malware_fraction, 0.2);

  const conn = await openDuckDb();
  const [s] = await queryRows<Record<string, number>>(
    conn,
    `SELECT count(*) AS n, avg("Malware"::INT) AS mal,
       min("read"::INT) FILTER (WHERE "Malware"::INT = 0) AS read_min, max("read"::INT) FILTER (WHERE "Malware"::INT = 0) AS read_max,
       max("read"::INT) FILTER (WHERE "Malware"::INT = 1) AS read_mal_max,
       avg(("write"::INT = 0)::INT) AS write_zero,
       count(DISTINCT "sha256") AS shas,
       count(*) FILTER (WHERE "Malware"::INT = 1 AND year_month <> '2019-03-01') AS wrong_month
     FROM ${fileRelation(out)}`,
  );
  assert.equal(s!.n, 5000);
  assert.ok(Math.abs(s!.mal! - 0.2) < 0.03, `malware share ${s!.mal}`);
  assert.ok(s!.read_min! >= 10 && s!.read_max! <= 19, `benign read in [10,19]: ${s!.read_min}..${s!.read_max}`);
  assert.equal(s!.read_mal_max, 0, 'malware never calls read in the fixture');
  assert.ok(Math.abs(s!.write_zero! - 0.25) < 0.03, `write sparsity ${s!.write_zero}`);
  assert.equal(s!.shas, 5000, 'sha256 values are unique');
  assert.equal(s!.wrong_month, 0);

  const again = join(dir, 'again.csv');
  await synthesize({ from, out: again, rows: 5000, seed: 7 });
  assert.equal(readFileSync(again, 'utf8'), readFileSync(out, 'utf8'));
  const other = join(dir, 'other.csv');
  await synthesize({ from, out: other, rows: 5000, seed: 8 });
  assert.notEqual(readFileSync(other, 'utf8'), readFileSync(out, 'utf8'));
});

test('parquet output has every KronoDroid column', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfp-synth-'));
  const out = join(dir, 'synth.parquet');
  await synthesize({ from: fixture(dir, 50), out, rows: 300, seed: 1 });
  const conn = await openDuckDb();
  const cols = (await queryRows<{ column_name: string }>(conn, `DESCRIBE SELECT * FROM read_parquet('${out}')`)).map((r) => r.column_name);
  assert.deepEqual(cols, ENHANCED_HEADER.map(lakeName));
  assert.ok(cols.includes('reboot') && cols.includes('REBOOT_PERMISSION'));
  const [n] = await queryRows<{ n: number }>(conn, `SELECT count(*) AS n FROM read_parquet('${out}')`);
  assert.equal(n!.n, 300);
});

test('bad requests are clear errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfp-synth-'));
  await assert.rejects(synthesize({ from: join(dir, 'nope.csv'), out: join(dir, 'o.csv'), rows: 10, seed: 1 }), (e: unknown) => e instanceof DfpError && e.code === 'NOT_FOUND' && e.message.includes('nope.csv'));
  await assert.rejects(synthesize({ from: fixture(dir, 5), out: join(dir, 'o.txt'), rows: 10, seed: 1 }), (e: unknown) => e instanceof DfpError && e.code === 'USAGE');
  await assert.rejects(synthesize({ from: fixture(dir, 5), out: join(dir, 'o.csv'), rows: 0, seed: 1 }), (e: unknown) => e instanceof DfpError && e.code === 'USAGE');
  assert.equal(existsSync(join(dir, 'o.csv')), false);
});

test('fitted on the real subset, synthetic sparsity matches the real one', async (t) => {
  if (!haveRealData(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'dfp-synth-'));
  const out = join(dir, 'synth.parquet');
  await synthesize({ from: REAL, out, rows: 20000, seed: 3 });
  const conn = await openDuckDb();
  const probe = ['read', 'ioctl', 'futex', 'INTERNET', 'READ_PHONE_STATE', 'Activities', 'REBOOT_1'].filter((c) => COUNT_COLUMNS.includes(lakeName(c)));
  const zero = (rel: string, name: (c: string) => string) =>
    queryRows<Record<string, number>>(conn, `SELECT ${probe.map((c, i) => `avg((try_cast("${name(c)}" AS DOUBLE) = 0)::INT) AS z${i}`).join(', ')} FROM ${rel}`);
  const [real] = await zero(fileRelation(REAL), (c) => c);
  const [syn] = await zero(`read_parquet('${out}')`, lakeName);
  probe.forEach((c, i) => assert.ok(Math.abs(real![`z${i}`]! - syn![`z${i}`]!) < 0.03, `${c}: real zero share ${real![`z${i}`]} vs synthetic ${syn![`z${i}`]}`));
});
