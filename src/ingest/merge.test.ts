// The normalised table shape and the upsert: exact NORMALISED_COLUMNS, trimmed Package, lineage,
// file order on a first load, sha256 order after a merge, byte-identical output for identical content, and added / replaced / unchanged rows.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { NORMALISED_COLUMNS } from '../core/kronodroid/schema.ts';
import { csvFile, prepare, query, scratch, shaOf, writeCsv } from './testing.ts';

const hashOf = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

test('a first load has exactly the normalised columns, typed, in file order, with lineage', async () => {
  const p = await prepare([csvFile(writeCsv(scratch(), 'emu.csv', 6, { layout: 'official-emulator' }))]);
  const t = p.tables.kronodroid_emulator!;
  assert.equal(t.rows, 6);
  const cols = await query<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM '${t.file}'`);
  assert.deepEqual(cols.map((c) => [c.column_name, c.column_type]), NORMALISED_COLUMNS.map((c) => [c.name, c.type]));
  const rows = await query<{ sha256: string; Package: string; _layout: string; _source: string; Categories: null; FirstModDate: null; Year: null; REBOOT_PERMISSION: number }>(
    `SELECT sha256, Package, _layout, _source, Categories, FirstModDate, "Year", REBOOT_PERMISSION FROM '${t.file}'`,
  );
  assert.deepEqual(rows.map((r) => r.sha256), [0, 1, 2, 3, 4, 5].map(shaOf));
  const first = rows.find((r) => r.sha256 === shaOf(0))!;
  assert.equal(first.Package, 'com.example.app0'); // the newline inside the quotes is gone
  assert.equal(first._layout, 'official-emulator');
  assert.equal(first._source, 'emu.csv');
  assert.equal(first.Categories, null); // absent from this layout
  assert.equal(first.FirstModDate, null); // the 1980-01-01 sentinel
  assert.equal(first.Year, null);
});

test('identical content gives identical Parquet bytes; re-ingesting changes nothing', async () => {
  const dir = scratch();
  const file = writeCsv(dir, 'same.csv', 20);
  const a = await prepare([csvFile(file)]);
  const b = await prepare([csvFile(file)]);
  assert.equal(hashOf(a.tables.kronodroid_real!.file), hashOf(b.tables.kronodroid_real!.file));
  const again = await prepare([csvFile(file)], { kronodroid_real: a.tables.kronodroid_real!.file });
  assert.equal(again.tables.kronodroid_real!.file, a.tables.kronodroid_real!.file, 'nothing changed: the lake keeps its own file');
  assert.deepEqual([again.tables.kronodroid_real!.added, again.tables.kronodroid_real!.replaced, again.tables.kronodroid_real!.unchanged], [0, 0, 20]);
});

test('the one-pass path and the staged path give the same table for clean input, alone or merged', async () => {
  const dir = scratch();
  const files = [csvFile(writeCsv(dir, 'a.csv', 12)), csvFile(writeCsv(dir, 'b.csv', 5, { first: 20, layout: 'official-real' }))];
  for (const input of [[files[0]!], files]) {
    const fast = await prepare(input, {}, 'apps');
    const staged = await prepare(input, {}, 'apps', false);
    assert.deepEqual([fast.onePass, staged.onePass], [true, false]);
    assert.equal(fast.tables.apps!.rows, staged.tables.apps!.rows);
    const [diff] = await query<{ n: number }>(
      `SELECT (SELECT count(*) FROM (SELECT * FROM '${fast.tables.apps!.file}' EXCEPT SELECT * FROM '${staged.tables.apps!.file}'))
            + (SELECT count(*) FROM (SELECT * FROM '${staged.tables.apps!.file}' EXCEPT SELECT * FROM '${fast.tables.apps!.file}')) AS n`,
    );
    assert.equal(diff!.n, 0, 'same rows, lineage included');
    assert.deepEqual(fast.files.map((f) => [f.input_rows, f.loaded_rows]), staged.files.map((f) => [f.input_rows, f.loaded_rows]));
  }
});

test('upsert by sha256: new rows added, changed rows replaced, identical rows kept with their lineage', async () => {
  const dir = scratch();
  const first = await prepare([csvFile(writeCsv(dir, 'v1.csv', 5))]); // apps 0–4
  // apps 3–6: app 3 identical, app 4 changed, apps 5 and 6 new
  const v2 = writeCsv(dir, 'v2.csv', 4, { first: 3, over: { 2: { execve: '1234' } } });
  const p = await prepare([csvFile(v2)], { kronodroid_real: first.tables.kronodroid_real!.file });
  const t = p.tables.kronodroid_real!;
  assert.deepEqual([t.rows, t.added, t.replaced, t.unchanged, t.loaded], [7, 2, 1, 1, 4]);
  const rows = await query<{ sha256: string; execve: number; _source: string }>(`SELECT sha256, execve, _source FROM '${t.file}'`);
  assert.deepEqual(rows.map((r) => r.sha256), [...rows.map((r) => r.sha256)].sort(), 'a merge is written in sha256 order');
  const by = new Map(rows.map((r) => [r.sha256, r]));
  assert.equal(by.get(shaOf(3))?._source, 'v1.csv'); // unchanged: keeps where it first came from
  assert.deepEqual([by.get(shaOf(4))?.execve, by.get(shaOf(4))?._source], [1234, 'v2.csv']);
  assert.equal(by.get(shaOf(6))?._source, 'v2.csv');
});

test('--table puts every layout into one table', async () => {
  const dir = scratch();
  const p = await prepare([csvFile(writeCsv(dir, 'r.csv', 3, { layout: 'official-real' })), csvFile(writeCsv(dir, 'e.csv', 3, { first: 10, layout: 'official-emulator' }))], {}, 'all_apps');
  assert.deepEqual(Object.keys(p.tables), ['all_apps']);
  assert.equal(p.tables.all_apps?.rows, 6);
  assert.deepEqual(p.tables.all_apps?.layouts, ['official-emulator', 'official-real']);
});
