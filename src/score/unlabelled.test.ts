// Scoring apps whose label nobody knows: `dfp score` (the real binary) and /v1/score/batch on a self-made file of
// 1,000 apps with only sha256 + features, as CSV and Parquet; a file lacking a feature names it and the model
// (exit 2 / HTTP 400); a file without sha256 gets generated row ids; labelled input passes its label, dates and
// package through; bad rows of an unlabelled file are still quarantined with row, column and reason; `dfp evaluate`
// is where the label is required.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runDfp } from '../../tests/support/cli.ts';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { N_FEATURES } from '../core/scoring/features.ts';
import { literal, openDuckDb, queryRows } from '../engine/duckdb/connection.ts';
import { csvText, headerFor, rowFor, shaOf } from '../ingest/testing.ts';
import { type Harness, startHarness } from '../serve/testing/harness.ts';
import { appBody, sampleRows, writeSampleModel } from '../serve/testing/model.ts';
import { Scorer } from '../runtime/scorer.ts';

const N = 1000;
const home = mkdtempSync(join(tmpdir(), 'dfp-score-unlabelled-'));
const modelDir = join(home, 'model');
const x = sampleRows(N, 11);
let reference: Float32Array;
let threshold: number;

/** `apps.csv`: sha256 and the model's features, nothing else (optionally without some columns). */
function writeApps(name: string, o: { drop?: string[]; sha?: boolean; rows?: number } = {}): string {
  const drop = new Set(o.drop ?? []);
  const feats = FEATURE_COLUMNS.map((c, j) => ({ c, j })).filter(({ c }) => !drop.has(c));
  const header = [...(o.sha === false ? [] : ['sha256']), ...feats.map((f) => f.c)];
  const lines = [header.join(',')];
  for (let i = 0; i < (o.rows ?? N); i++) lines.push([...(o.sha === false ? [] : [shaOf(i)]), ...feats.map(({ j }) => String(x[i * N_FEATURES + j]))].join(','));
  const path = join(home, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function sql<T = Record<string, unknown>>(q: string): Promise<T[]> {
  const conn = await openDuckDb();
  try {
    return await queryRows<T>(conn, q);
  } finally {
    conn.closeSync();
  }
}

const relation = (path: string) => (path.endsWith('.parquet') ? `read_parquet(${literal(path)})` : `read_csv(${literal(path)}, header = true, all_varchar = true)`);

/** The columns and rows of a `dfp score` output, whatever its format. */
async function readScores(path: string): Promise<{ columns: string[]; rows: Record<string, unknown>[] }> {
  const columns = (await sql<{ column_name: string }>(`DESCRIBE SELECT * FROM ${relation(path)}`)).map((r) => r.column_name);
  return { columns, rows: await sql(`SELECT * FROM ${relation(path)}`) };
}

function score(args: string[]): { code: number; json: Record<string, unknown>; stderr: string } {
  const r = runDfp(['score', '--model', modelDir, ...args, '--json'], { DFP_HOME: join(home, 'ws') });
  return { code: r.code, json: JSON.parse(r.stdout) as Record<string, unknown>, stderr: r.stderr };
}

/** Every app's score equals the model's own score of the same raw row. */
function assertScores(rows: Record<string, unknown>[], key = 'sha256', idOf = (i: number) => shaOf(i)): void {
  const byId = new Map(rows.map((r) => [String(r[key]), r]));
  assert.equal(byId.size, N);
  for (let i = 0; i < N; i++) {
    const r = byId.get(idOf(i));
    assert.ok(r, `app ${idOf(i)} scored`);
    const want = reference[i]!;
    const got = Number(r.score);
    assert.ok(Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)), `${idOf(i)}: ${got} vs ${want}`);
    assert.equal(String(r.is_malware), String(Math.fround(got) > threshold));
  }
}

before(async () => {
  await writeSampleModel(modelDir, { kind: 'autoencoder', seed: 5 });
  const model = await Scorer.load(modelDir);
  try {
    reference = Float32Array.from((await model.score(x)).scores);
    threshold = model.metadata.threshold;
  } finally {
    await model.close();
  }
});
after(() => rmSync(home, { recursive: true, force: true }));

test('dfp score: 1,000 apps with only sha256 + features, CSV in → CSV out and Parquet in → Parquet out', async () => {
  const csv = writeApps('apps.csv');
  const out = join(home, 'apps-scores.csv');
  const r = score(['--input', csv, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([r.json.input_rows, r.json.scored_rows, r.json.quarantined_rows], [N, N, 0]);
  assert.equal(r.json.key, 'sha256');
  assert.deepEqual(r.json.notes, []);
  const got = await readScores(out);
  assert.deepEqual(got.columns, ['sha256', 'score', 'is_malware', 'top_features'], 'nothing to pass through');
  assertScores(got.rows);
  assert.equal((JSON.parse(String(got.rows[0]!.top_features)) as unknown[]).length, 5);

  const parquet = join(home, 'apps.parquet');
  await sql(`COPY (SELECT * FROM read_csv(${literal(csv)}, header = true)) TO ${literal(parquet)} (FORMAT parquet)`);
  const pout = join(home, 'apps-scores.parquet');
  const p = score(['--input', parquet, '--out', pout]);
  assert.equal(p.code, 0, p.stderr);
  assert.equal(p.json.scored_rows, N);
  assertScores((await readScores(pout)).rows);
});

test('dfp score: a file lacking a feature the model needs is refused whole, naming the column and the model (exit 2)', () => {
  const csv = writeApps('no-read.csv', { drop: ['read'], rows: 20 });
  const out = join(home, 'no-read.csv.out.csv');
  const r = score(['--input', csv, '--out', out]);
  assert.equal(r.code, 2, r.stderr);
  const error = r.json.error as { code: string; message: string; details: { missing: string[]; model: string } };
  assert.equal(error.code, 'SCHEMA_MISMATCH');
  assert.deepEqual(error.details.missing, ['read']);
  assert.match(r.stderr, /no-read\.csv lacks the feature column read, which .*model \(autoencoder\) needs to score it; nothing was scored/);
  assert.doesNotMatch(r.stderr, /ingest|Malware|Package/, 'speaks of scoring, asks for no label');

  // Several missing: all in the details, the first ten in the message. FilesInsideAPK is never needed (the model fills it).
  const wide = writeApps('no-syscalls.csv', { drop: [...FEATURE_COLUMNS.slice(0, 12), 'FilesInsideAPK'], rows: 5 });
  const w = score(['--input', wide, '--out', join(home, 'w.csv')]);
  assert.equal(w.code, 2);
  assert.deepEqual((w.json.error as { details: { missing: string[] } }).details.missing, FEATURE_COLUMNS.slice(0, 12));
  assert.match(w.stderr, /lacks 12 feature columns .*, … and 2 more, which/);
});

test('dfp evaluate is where a label is required: an unlabelled file is refused there, pointing to dfp score', () => {
  const csv = writeApps('to-evaluate.csv', { rows: 10 });
  const r = runDfp(['evaluate', '--model', modelDir, '--data', csv], { DFP_HOME: join(home, 'ws') });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /to-evaluate\.csv lacks required columns .*Malware.*: evaluating needs labelled apps \(Malware\); `dfp score` scores apps without a label/);
});

test('dfp score: without a sha256 column, rows get generated ids (<file>#<record>) and a note says so', async () => {
  const csv = writeApps('anonymous.csv', { sha: false });
  const out = join(home, 'anonymous-scores.parquet');
  const r = score(['--input', csv, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.key, 'row_id');
  assert.deepEqual(r.json.columns, ['row_id', 'score', 'is_malware', 'top_features']);
  assert.match(String((r.json.notes as string[])[0]), /no sha256 column: rows are named by row_id/);
  assert.match(r.stderr, /dfp score: note: .*anonymous\.csv has no sha256 column/);
  assertScores((await readScores(out)).rows, 'row_id', (i) => `anonymous.csv#${i + 1}`);
});

test('dfp score: bad rows of an unlabelled file are quarantined with row number, column and reason', async () => {
  const csv = writeApps('some-bad.csv', { rows: 30 });
  const lines = readFileSync(csv, 'utf8').split('\n');
  const read = FEATURE_COLUMNS.indexOf('read') + 1;
  const cells = lines[5]!.split(',');
  cells[read] = '-3';
  lines[5] = cells.join(',');
  lines[9] = 'two,fields';
  writeFileSync(csv, lines.join('\n'));
  for (const withSha of [true, false]) {
    const input = withSha ? csv : join(home, 'some-bad-nosha.csv');
    if (!withSha) writeFileSync(input, lines.map((l, i) => (i === 9 ? 'one' : l.slice(l.indexOf(',') + 1))).join('\n'));
    const out = join(home, `some-bad-${withSha}.csv`);
    const r = score(['--input', input, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([r.json.input_rows, r.json.scored_rows, r.json.quarantined_rows], [30, 28, 2]);
    const q = readFileSync(String(r.json.quarantine), 'utf8');
    const name = withSha ? 'some-bad\\.csv' : 'some-bad-nosha\\.csv';
    const has = (re: string) => assert.ok(new RegExp(re).test(q), `quarantine lacks ${re}: ${q.slice(0, 300)}`);
    has(`${name},5,read,negative,value -3(\\.0)? is negative`);
    has(`${name},9,[^,]*,field_count,`);
    const ids = (await readScores(out)).rows.map((row) => String(row[withSha ? 'sha256' : 'row_id']));
    assert.equal(ids.length, 28);
    if (!withSha) assert.ok(!ids.includes('some-bad-nosha.csv#5') && ids.includes('some-bad-nosha.csv#6'), 'ids are record numbers, gaps where rows were quarantined');
  }
});

test('dfp score: labelled input (official layout) still scores, its label, dates and package passed through; an empty label is unknown, not an error', async () => {
  const header = headerFor('official-real');
  const rows: string[][] = [];
  for (let i = 0; i < 12; i++) rows.push(rowFor(header, i));
  rows[4] = rowFor(header, 4, { Malware: '' });
  rows[7] = rowFor(header, 7, { Malware: '2' });
  const file = join(home, 'labelled.csv');
  writeFileSync(file, csvText(header, rows));
  const out = join(home, 'labelled-scores.parquet');
  const r = score(['--input', file, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([r.json.input_rows, r.json.scored_rows, r.json.quarantined_rows], [12, 11, 1]);
  assert.deepEqual(r.json.reasons, [{ reason: 'bad_label', rows: 1 }]);
  const got = await readScores(out);
  assert.deepEqual(got.columns, ['sha256', 'score', 'is_malware', 'top_features', 'Package', 'Malware', 'MalFamily', 'EarliestModDate', 'HighestModDate']);
  const byId = new Map(got.rows.map((row) => [String(row.sha256), row]));
  for (let i = 0; i < 12; i++) {
    if (i === 7) continue;
    const o = byId.get(shaOf(i));
    assert.ok(o, `row ${i} scored`);
    // Normalised as the lake stores them: the package trimmed, empty family and the 1980-01-01 sentinel NULL.
    assert.deepEqual(
      [o.Package, o.Malware, o.MalFamily, o.EarliestModDate, (o.HighestModDate as Date).toISOString().slice(0, 10)],
      [`com.example.app${i}`, i === 4 ? null : i % 2, i % 2 ? 'Family' : null, null, '2019-11-11'],
    );
  }
});

test('/v1/score/batch: the 1,000 unlabelled apps score as the model does; labels pass through; a missing feature is a 400 naming it and the model', async () => {
  const h: Harness = await startHarness({ models: [{ kind: 'autoencoder', seed: 5 }], bodyLimit: 16 * 1024 * 1024 });
  try {
    const items = Array.from({ length: N }, (_, i) => ({ sha256: shaOf(i), ...appBody(x, i) }));
    const res = await h.app.inject({ method: 'POST', url: '/v1/score/batch', payload: items });
    assert.equal(res.statusCode, 200, res.body);
    const results = res.json().results as { sha256: string; score: number; is_malware: boolean; Malware?: number }[];
    assertScores(results.map((r) => ({ ...r })));
    assert.ok(results.every((r) => !('Malware' in r)), 'nothing passed through that was not sent');

    const labelled = await h.app.inject({
      method: 'POST',
      url: '/v1/score/batch',
      payload: [
        { ...appBody(x, 0), Malware: 1, Package: 'com.example.a', MalFamily: 'Airpush', 'Highest-date': '2019-05-01' },
        { ...appBody(x, 1), Malware: null },
        appBody(x, 2),
      ],
    });
    assert.equal(labelled.statusCode, 200, labelled.body);
    const [a, b, c] = labelled.json().results as Record<string, unknown>[];
    assert.deepEqual([a!.Malware, a!.Package, a!.MalFamily, a!['Highest-date']], [1, 'com.example.a', 'Airpush', '2019-05-01']);
    assert.equal(a!.score, results[0]!.score);
    assert.equal(b!.Malware, null);
    assert.ok(!('Malware' in c!));

    const { read: _read, write: _write, ...lacking } = appBody(x, 3);
    const bad = await h.app.inject({ method: 'POST', url: '/v1/score/batch', payload: [appBody(x, 0), lacking] });
    assert.equal(bad.statusCode, 400);
    const error = bad.json().error as { field: string; fields: string[]; message: string };
    assert.deepEqual(error.fields.sort(), ['[1].read', '[1].write']);
    assert.match(error.message, /item 1: missing required feature '(read|write)' and 1 more .*model fingerprint needs every KronoDroid feature/);
    const wrongLabel = await h.app.inject({ method: 'POST', url: '/v1/score/batch', payload: [{ ...appBody(x, 0), Malware: 'yes' }] });
    assert.equal(wrongLabel.statusCode, 400);
    assert.equal(wrongLabel.json().error.field, '[0].Malware');
  } finally {
    await h.close();
  }
});
