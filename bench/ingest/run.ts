/**
 * @module Ingest throughput benchmark: `dfp ingest` of the real KronoDroid subset and of 1M synthetic
 * rows (CSV → validated, normalised Parquet committed to the lake), through the real command, each into
 * a fresh workspace. Target: ≥ 100k rows/s CSV→Parquet on the 2-core reference machine.
 * Usage: npm run bench:ingest [-- --rows 1000000]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { literal, openDuckDb } from '../../src/engine/duckdb/connection.ts';
import { synthesize } from '../../src/synth/synthesize.ts';
import { formatRate, markdownTable, writeSection } from '../lib/results.ts';
import { requireRealData } from '../../tests/support/shared-data.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const WORK = join(ROOT, 'bench/.work');
const REAL = requireRealData('bench:ingest');
const rowsArg = process.argv.indexOf('--rows');
const SYNTH_ROWS = rowsArg > 0 ? Number(process.argv[rowsArg + 1]) : 1_000_000;

interface IngestJson {
  input_rows: number;
  loaded_rows: number;
  quarantined_rows: number;
  /** Seconds per phase: resolve (hash the source), prepare (CSV → validated Parquet), commit. */
  timings: { resolve: number; prepare: number; commit: number };
}

/** The engine's ceiling: a bare DuckDB CSV → Parquet copy of the same file, no checks, no lake. */
async function bareCopySeconds(file: string): Promise<number> {
  const conn = await openDuckDb();
  const out = join(WORK, 'bare-copy.parquet');
  const started = process.hrtime.bigint();
  await conn.run(`COPY (SELECT * FROM read_csv(${literal(file)}, header = true)) TO ${literal(out)} (FORMAT parquet)`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  conn.closeSync();
  rmSync(out, { force: true });
  return seconds;
}

function ingest(source: string): { seconds: number; out: IngestJson } {
  const home = mkdtempSync(join(WORK, 'ws-'));
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/dfp.js'), 'ingest', '--source', source, '--json'], {
    encoding: 'utf8',
    env: { ...process.env, DFP_HOME: home },
    maxBuffer: 1 << 26,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(home, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`dfp ingest ${source} failed (${r.status}): ${r.stderr}`);
  return { seconds, out: JSON.parse(r.stdout) as IngestJson };
}

/** Seconds of a command that does nothing, to separate start-up from ingest work. */
function startupSeconds(): number {
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, [join(ROOT, 'bin/dfp.js'), '--version']);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  const rows: (string | number)[][] = [];
  const startup = Math.min(startupSeconds(), startupSeconds());
  const measure = async (label: string, file: string) => {
    const runs = [ingest(file), ingest(file)];
    const best = runs.reduce((a, b) => (a.seconds <= b.seconds ? a : b));
    const mb = statSync(file).size / 2 ** 20;
    const n = best.out.loaded_rows;
    const prepare = best.out.timings.prepare;
    const bare = await bareCopySeconds(file);
    console.log(`${label}: ${n} rows, command ${best.seconds.toFixed(2)} s, CSV→Parquet ${prepare.toFixed(2)} s = ${formatRate(n / prepare)} rows/s (bare DuckDB copy ${formatRate(best.out.input_rows / bare)} rows/s)`);
    rows.push([
      label,
      best.out.input_rows.toLocaleString('en'),
      best.out.quarantined_rows,
      `${mb.toFixed(0)} MiB`,
      best.seconds.toFixed(2),
      formatRate(n / best.seconds),
      `${prepare.toFixed(2)} s → **${formatRate(n / prepare)}**`,
      formatRate(best.out.input_rows / bare),
    ]);
  };

  await measure(`real file (${basename(REAL)})`, REAL);

  const synthFile = join(WORK, `synth-${SYNTH_ROWS}.csv`);
  if (!existsSync(synthFile)) {
    console.log(`generating ${SYNTH_ROWS.toLocaleString('en')} synthetic rows → ${synthFile}`);
    await synthesize({ from: REAL, out: synthFile, rows: SYNTH_ROWS, seed: 42 });
  }
  await measure(`${SYNTH_ROWS.toLocaleString('en')} synthetic rows (CSV)`, synthFile);

  writeSection(
    'Ingest throughput',
    `\`npm run bench:ingest\`: \`dfp ingest --source <file> --json\` into a fresh local lake, best of 2 runs. "CSV→Parquet" is the prepare phase the command reports (read, validate every value, normalise, write the table's Parquet); the command also hashes the source and commits, and starts up in ${startup.toFixed(2)} s. "Bare DuckDB copy" is the engine's ceiling on the same file in the same run: \`COPY (SELECT * FROM read_csv(…)) TO … (FORMAT parquet)\` with no checks. Target ≥ 100k rows/s CSV→Parquet.\n\n` +
      markdownTable(['input', 'rows', 'quarantined', 'size', 'command s', 'rows/s (command)', 'CSV→Parquet rows/s', 'bare DuckDB copy rows/s'], rows),
  );
  console.log('written to bench/RESULTS.md');
}

await main();
