/**
 * @module Ingest throughput benchmark: `dfp ingest` of the real KronoDroid subset and of 1M synthetic
 * rows (CSV → validated, normalised Parquet committed to the lake), through the real command, each into
 * a fresh workspace. Target: ≥ 100k rows/s CSV→Parquet on the 2-core reference machine.
 * Usage: npm run bench:ingest [-- --rows 1000000]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { synthesize } from '../../src/synth/synthesize.ts';
import { formatRate, markdownTable, writeSection } from '../lib/results.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const WORK = join(ROOT, 'bench/.work');
const REAL = resolve(ROOT, '../shared/kronodroid/kronodroid-real-2019.csv');
const rowsArg = process.argv.indexOf('--rows');
const SYNTH_ROWS = rowsArg > 0 ? Number(process.argv[rowsArg + 1]) : 1_000_000;

interface IngestJson {
  input_rows: number;
  loaded_rows: number;
  quarantined_rows: number;
  timings?: Record<string, number>;
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
  const measure = (label: string, file: string) => {
    const runs = [ingest(file), ingest(file)];
    const best = runs.reduce((a, b) => (a.seconds <= b.seconds ? a : b));
    const mb = statSync(file).size / 2 ** 20;
    const work = Math.max(best.seconds - startup, 1e-3);
    console.log(`${label}: ${best.out.loaded_rows} rows in ${best.seconds.toFixed(2)} s (${formatRate(best.out.loaded_rows / work)} rows/s excluding ${startup.toFixed(2)} s start-up)`);
    rows.push([
      label,
      best.out.input_rows.toLocaleString('en'),
      best.out.quarantined_rows,
      `${mb.toFixed(0)} MiB`,
      best.seconds.toFixed(2),
      formatRate(best.out.loaded_rows / best.seconds),
      formatRate(best.out.loaded_rows / work),
    ]);
  };

  if (existsSync(REAL)) measure('real subset (kronodroid-real-2019.csv)', REAL);
  else console.log(`skipping the real file: ${REAL} not found`);

  const synthFile = join(WORK, `synth-${SYNTH_ROWS}.csv`);
  if (!existsSync(synthFile)) {
    if (!existsSync(REAL)) throw new Error('the synthetic file is fitted on the real subset, which is missing');
    console.log(`generating ${SYNTH_ROWS.toLocaleString('en')} synthetic rows → ${synthFile}`);
    await synthesize({ from: REAL, out: synthFile, rows: SYNTH_ROWS, seed: 42 });
  }
  measure(`${SYNTH_ROWS.toLocaleString('en')} synthetic rows (CSV)`, synthFile);

  writeSection(
    'Ingest throughput',
    `\`npm run bench:ingest\`: \`dfp ingest --source <file> --json\` into a fresh local lake (validate every row, normalise, write Parquet through DuckDB, commit). Best of 2 runs; "work" excludes the command's start-up (${startup.toFixed(2)} s, measured with \`dfp --version\`). Target ≥ 100k rows/s CSV→Parquet.\n\n` +
      markdownTable(['input', 'rows', 'quarantined', 'size', 'seconds', 'rows/s (wall)', 'rows/s (work)'], rows),
  );
  console.log('written to bench/RESULTS.md');
}

await main();
