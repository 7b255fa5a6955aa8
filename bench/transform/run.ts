/**
 * @module Transform throughput benchmark: 1M synthetic KronoDroid rows ingested with `dfp ingest` into
 * a fresh workspace, then `dfp transform --json` builds every model (staging, three feature sets, the
 * training mart); a second run measures the all-cached path. Reports raw rows per second of the build.
 * Usage: npm run bench:transform [-- --rows 1000000]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { synthesize } from '../../src/synth/synthesize.ts';
import { formatRate, markdownTable, writeSection } from '../lib/results.ts';
import { requireRealData } from '../../tests/support/shared-data.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const WORK = join(ROOT, 'bench/.work');
const REAL = requireRealData('bench:transform');
const rowsArg = process.argv.indexOf('--rows');
const ROWS = rowsArg > 0 ? Number(process.argv[rowsArg + 1]) : 1_000_000;

interface TransformJson {
  commit: string;
  models: Record<string, { status: string; rows: number; seconds: number; tests: { passed: number; failed: number; warned: number } }>;
}

function dfp(args: string[], home: string): { seconds: number; stdout: string } {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/dfp.js'), ...args], { encoding: 'utf8', env: { ...process.env, DFP_HOME: home }, maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`dfp ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  const synthFile = join(WORK, `synth-${ROWS}.csv`);
  if (!existsSync(synthFile)) {
    console.log(`generating ${ROWS.toLocaleString('en')} synthetic rows → ${synthFile}`);
    await synthesize({ from: REAL, out: synthFile, rows: ROWS, seed: 42 });
  }
  const home = mkdtempSync(join(WORK, 'transform-ws-'));
  try {
    console.log('ingesting…');
    const ingest = dfp(['ingest', '--source', synthFile, '--json'], home);
    console.log(`ingest: ${ingest.seconds.toFixed(1)} s`);
    console.log('transforming…');
    const build = dfp(['transform', '--json'], home);
    const built = JSON.parse(build.stdout) as TransformJson;
    const cachedRun = dfp(['transform', '--json'], home);
    const cached = JSON.parse(cachedRun.stdout) as TransformJson;
    if (Object.values(cached.models).some((m) => m.status !== 'cached') || cached.commit !== built.commit) throw new Error('second run was not all cached');

    const rows = Object.entries(built.models).map(([name, m]) => [name, m.status, m.rows.toLocaleString('en'), m.seconds.toFixed(1), `${m.tests.passed}/${m.tests.passed + m.tests.failed}`]);
    const raw = built.models.stg_kronodroid__apps?.rows ?? ROWS;
    const rate = ROWS / build.seconds;
    console.log(`transform: ${build.seconds.toFixed(1)} s for ${ROWS.toLocaleString('en')} raw rows (${formatRate(rate)} rows/s); cached re-run ${cachedRun.seconds.toFixed(1)} s`);
    writeSection(
      'Transform throughput',
      `\`npm run bench:transform\`: ${ROWS.toLocaleString('en')} synthetic rows (\`dfp synth\`, fitted on the real subset) ingested with \`dfp ingest\`, then \`dfp transform --json\` builds all five models in one DuckDB session and commits them (schema tests included; wall time of the command). ${raw.toLocaleString('en')} apps after deduplication.\n\n` +
        markdownTable(['run', 'seconds', 'raw rows/s'], [
          ['full build', build.seconds.toFixed(1), formatRate(rate)],
          ['re-run, all cached', cachedRun.seconds.toFixed(1), '—'],
        ]) +
        '\n\nPer model (build, seconds include its schema tests):\n\n' +
        markdownTable(['model', 'status', 'rows', 'seconds', 'tests passed'], rows),
    );
    console.log('written to bench/RESULTS.md');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
