// `dfp score` on real and synthetic KronoDroid files: scores equal Scorer.score on the same rows (CSV and
// Parquet, both layouts, lake table), bad rows quarantined with reasons and counts reconciled, flat memory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { before, test } from 'node:test';
import { headerFor, rowFor, csvText } from '../ingest/testing.ts';
import { queryRows, openDuckDb, literal } from '../engine/duckdb/connection.ts';
import { openLake } from '../lake/open.ts';
import { runIngest } from '../ingest/ingest.ts';
import { runTransform } from '../transform/run.ts';
import { DEFAULT_PROJECT } from '../transform/defaults.ts';
import { runTrain } from '../train/run.ts';
import { loadFileDataset } from '../train/data.ts';
import { Scorer } from '../runtime/scorer.ts';
import { testConfig } from '../train/testing.ts';
import { synthesize } from '../synth/synthesize.ts';
import { silentProgress } from '../core/progress.ts';
import type { DfpConfig } from '../core/config/schema.ts';
import { REAL_2019 } from '../../tests/support/shared-data.ts';
import { existsSync } from 'node:fs';
import { runScore } from './score.ts';

const HAVE_REAL = existsSync(REAL_2019);
const home = mkdtempSync(join(tmpdir(), 'dfp-score-'));
let config: DfpConfig;
let modelDir = '';

before(async () => {
  if (!HAVE_REAL) return;
  config = testConfig(['train.epochs=3', 'train.patience=2'], home);
  const lake = await openLake(config);
  try {
    await runIngest({ source: REAL_2019, branch: 'main', config, lake });
    await runTransform({ lake, project: DEFAULT_PROJECT, branch: 'main', workDir: join(home, 'tmp') });
  } finally {
    await lake.close();
  }
  modelDir = (await runTrain({ config, progress: silentProgress })).artifacts.model_dir as string;
});

const skipUnlessReal = (t: { skip: (m: string) => void }) => {
  if (!HAVE_REAL) t.skip(`${REAL_2019} not found: these tests need the real KronoDroid subset from ../shared`);
  return HAVE_REAL;
};

async function readOut(path: string): Promise<{ sha256: string; score: number; is_malware: boolean; top_features: string | null }[]> {
  const conn = await openDuckDb();
  try {
    // Label, dates and package of labelled input follow the four score columns; these tests read the four.
    const rel = path.endsWith('.parquet') ? `read_parquet(${literal(path)})` : `read_csv(${literal(path)}, header = true, types = {'sha256': 'VARCHAR', 'score': 'DOUBLE', 'is_malware': 'BOOLEAN', 'top_features': 'VARCHAR'})`;
    return await queryRows(conn, `SELECT sha256, score, is_malware, top_features FROM ${rel}`);
  } finally {
    conn.closeSync();
  }
}

/** The top-k active features of one row's errors by a full sort: |z| descending, then name. */
function fullSortTop(errors: Float32Array, stats: { mean: number[]; std: number[] }, columns: string[], active: boolean[], k: number): string[] {
  return columns
    .map((name, j) => ({ name, j, z: Math.abs((errors[j]! - stats.mean[j]!) / stats.std[j]!) }))
    .filter((c) => active[c.j])
    .sort((a, b) => b.z - a.z || a.name.localeCompare(b.name))
    .slice(0, k)
    .map((c) => c.name);
}

/** Scores of the same file through the evaluate path (ingest normalisation → Scorer.score). */
async function reference(file: string): Promise<Map<string, { score: number; top: string[] }>> {
  const { data } = await loadFileDataset(file, config);
  const model = await Scorer.load(modelDir);
  try {
    const s = await model.score(data.x);
    const m = model.metadata;
    const out = new Map<string, { score: number; top: string[] }>();
    for (let i = 0; i < data.n; i++) {
      const F = m.preprocess.columns.length;
      const top = m.error_stats && s.featureErrors ? fullSortTop(s.featureErrors.subarray(i * F, (i + 1) * F), m.error_stats, m.preprocess.columns, m.preprocess.active, m.top_k ?? 5) : [];
      out.set(data.sha256[i] as string, { score: s.scores[i] as number, top });
    }
    return out;
  } finally {
    await model.close();
  }
}

async function assertMatches(out: string, file: string): Promise<number> {
  const got = await readOut(out);
  const want = await reference(file);
  const model = await Scorer.load(modelDir);
  await model.close();
  let checked = 0;
  for (const r of got) {
    const w = want.get(r.sha256);
    if (!w) continue; // rows the evaluate path de-duplicates
    // Same model and rows; only the batch split differs, which may move the last float32 bits of a sum.
    assert.ok(Math.abs(r.score - w.score) <= 1e-5 * Math.max(1, Math.abs(w.score)), `score of ${r.sha256}: ${r.score} vs ${w.score}`);
    assert.equal(r.is_malware, Math.fround(r.score) > model.metadata.threshold);
    assert.deepEqual((JSON.parse(r.top_features ?? '[]') as { name: string }[]).map((x) => x.name), w.top, `top features of ${r.sha256}`);
    checked++;
  }
  return checked;
}

test('dfp score: the real CSV (enhanced layout) to Parquet equals Scorer.score row for row', async (t) => {
  if (!skipUnlessReal(t)) return;
  const out = join(home, 'real.parquet');
  const r = await runScore({ config, model: modelDir, input: REAL_2019, out });
  assert.equal(r.input_rows, 1622);
  assert.equal(r.scored_rows + r.quarantined_rows, r.input_rows);
  assert.equal(await assertMatches(out, REAL_2019), r.scored_rows);
});

test('dfp score: synthetic Parquet input (REBOOT_PERMISSION naming) to CSV, and a lake table@ref', async (t) => {
  if (!skipUnlessReal(t)) return;
  const parquet = join(home, 'synth.parquet');
  await synthesize({ from: REAL_2019, out: parquet, rows: 3000, seed: 7 });
  const out = join(home, 'synth.csv');
  const r = await runScore({ config, model: modelDir, input: parquet, out, batchRows: 1000 });
  assert.equal(r.input_rows, 3000);
  assert.equal(r.scored_rows + r.quarantined_rows, 3000);
  assert.ok((await assertMatches(out, parquet)) > 2900);

  const lakeOut = join(home, 'lake.csv');
  const l = await runScore({ config, model: modelDir, input: 'training_apps@main', out: lakeOut });
  assert.equal(l.input.kind, 'lake');
  assert.equal(l.scored_rows, 1622);
  assert.equal(await assertMatches(lakeOut, REAL_2019), 1622);
});

test('dfp score: official-real layout with bad rows — quarantined with reasons, counts reconcile, never a crash', async (t) => {
  if (!skipUnlessReal(t)) return;
  const header = headerFor('official-real');
  const rows: (string[] | string)[] = [];
  for (let i = 0; i < 50; i++) rows.push(rowFor(header, i));
  rows[3] = rowFor(header, 3, { read: '-4' });
  rows[7] = rowFor(header, 7, { sha256: '' });
  rows[9] = rowFor(header, 9, { write: 'abc' });
  rows[11] = 'only,three,fields';
  const file = join(home, 'official.csv');
  writeFileSync(file, csvText(header, rows));
  const out = join(home, 'official-scores.parquet');
  const r = await runScore({ config, model: modelDir, input: file, out });
  assert.equal(r.input_rows, 50);
  assert.equal(r.quarantined_rows, 4);
  assert.equal(r.scored_rows, 46);
  assert.deepEqual(r.reasons.map((x) => x.reason).sort(), ['field_count', 'missing_key', 'negative', 'non_numeric']);
  const q = readFileSync(r.quarantine, 'utf8');
  assert.match(q, /^source,row,column,reason,detail,sha256,table,raw/);
  for (const row of ['4', '8', '10', '12']) assert.match(q, new RegExp(`official\\.csv,${row},`), `row ${row} in the quarantine`);
  assert.equal((await readOut(out)).length, 46);
  assert.equal(await assertMatches(out, file), 46);
});

test('dfp score: a record only the CSV reader refuses (no row check fails) still leaves the one pass for the quarantine', async (t) => {
  if (!skipUnlessReal(t)) return;
  const header = headerFor('official-real');
  const rows: (string[] | string)[] = [];
  for (let i = 0; i < 20; i++) rows.push(rowFor(header, i));
  rows[13] = 'only,three,fields';
  const file = join(home, 'refused.csv');
  writeFileSync(file, csvText(header, rows));
  const out = join(home, 'refused-scores.csv');
  const r = await runScore({ config, model: modelDir, input: file, out });
  assert.deepEqual([r.input_rows, r.scored_rows, r.quarantined_rows], [20, 19, 1]);
  assert.deepEqual(r.reasons, [{ reason: 'field_count', rows: 1 }]);
  assert.match(readFileSync(r.quarantine, 'utf8'), /refused\.csv,14,/);
  assert.equal(await assertMatches(out, file), 19);
});

/** Peak RSS of a child process scoring `input` (a fresh process per size, so the peaks compare). */
function peakRss(input: string, out: string): number {
  const script = `import { runScore } from ${JSON.stringify(resolve(import.meta.dirname, 'score.ts'))};
import { testConfig } from ${JSON.stringify(resolve(import.meta.dirname, '../train/testing.ts'))};
await runScore({ config: testConfig([], ${JSON.stringify(home)}), model: ${JSON.stringify(modelDir)}, input: ${JSON.stringify(input)}, out: ${JSON.stringify(out)} });
process.stdout.write(String(process.resourceUsage().maxRSS));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout) / 1024;
}

test('dfp score: memory stays flat — peak RSS on 100k rows is close to that on 20k', { timeout: 600_000 }, async (t) => {
  if (!skipUnlessReal(t)) return;
  const small = join(home, 's20k.csv');
  const big = join(home, 's100k.csv');
  await synthesize({ from: REAL_2019, out: small, rows: 20_000, seed: 1 });
  await synthesize({ from: REAL_2019, out: big, rows: 100_000, seed: 2 });
  const a = peakRss(small, join(home, 'm20k.parquet'));
  const b = peakRss(big, join(home, 'm100k.parquet'));
  t.diagnostic(`peak RSS: 20k rows ${a.toFixed(0)} MB, 100k rows ${b.toFixed(0)} MB`);
  // 5× the rows; holding them would add ~5× the feature matrix alone. Buffers (DuckDB capped at 512 MB) fill, not grow.
  assert.ok(b < a * 1.75, `peak RSS grew from ${a.toFixed(0)} MB to ${b.toFixed(0)} MB`);
});
