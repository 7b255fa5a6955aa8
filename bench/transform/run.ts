/**
 * @module Transform throughput benchmark: 1M synthetic KronoDroid rows ingested with `dfp ingest` into
 * a fresh workspace, then `dfp transform --json` builds every model (staging, three feature sets, the
 * training mart); a second run measures the all-cached path. Reports raw rows per second of the build.
 * Also the cost of the lake's integrity checks (src/lake/integrity.ts): the same build and cached run in copies
 * of the ingested lake, with and without DFP_BENCH_SKIP_VERIFY=1 (objects trusted by name, as before the
 * checks), interleaved, best of 2.
 * Target: ≤ 5 % slower.
 * Usage: npm run bench:transform [-- --rows 1000000]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sha256File } from '../../src/lake/canonical.ts';
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

function dfp(args: string[], home: string, env: NodeJS.ProcessEnv = {}): { seconds: number; stdout: string } {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/dfp.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env, DFP_HOME: home }, maxBuffer: 1 << 26 });
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
  // Copies of the ingested lake for the verification comparison, so every build starts from identical objects.
  const copies = { off1: '', on2: '', off2: '' };
  try {
    console.log('ingesting…');
    const ingest = dfp(['ingest', '--source', synthFile, '--json'], home);
    console.log(`ingest: ${ingest.seconds.toFixed(1)} s`);
    for (const name of Object.keys(copies) as (keyof typeof copies)[]) {
      copies[name] = mkdtempSync(join(WORK, `transform-ws-${name}-`));
      cpSync(join(home, 'lake'), join(copies[name], 'lake'), { recursive: true });
    }
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

    console.log('transforming again, without integrity checks (DFP_BENCH_SKIP_VERIFY=1) and with, interleaved…');
    const skip = { DFP_BENCH_SKIP_VERIFY: '1' };
    const pair = (ws: string, env: NodeJS.ProcessEnv = {}) => [dfp(['transform', '--json'], ws, env).seconds, dfp(['transform', '--json'], ws, env).seconds];
    const [off1, on2, off2] = [pair(copies.off1, skip), pair(copies.on2), pair(copies.off2, skip)];
    const buildOn = Math.min(build.seconds, on2[0] as number);
    const cachedOn = Math.min(cachedRun.seconds, on2[1] as number);
    const buildOff = Math.min(off1[0] as number, off2[0] as number);
    const cachedOff = Math.min(off1[1] as number, off2[1] as number);
    const rawTable = JSON.parse(dfp(['lake', 'tables', '--json'], home).stdout) as { tables: { name: string; content_hash: string }[] };
    const hashes = rawTable.tables.map((t) => ({ name: t.name, path: join(home, 'lake', 'objects', `${t.content_hash}.parquet`) }));
    const hashRows: (string | number)[][] = [];
    for (const h of hashes) {
      const started = process.hrtime.bigint();
      await sha256File(h.path);
      hashRows.push([h.name, `${(statSync(h.path).size / 2 ** 20).toFixed(1)} MiB`, (Number(process.hrtime.bigint() - started) / 1e9).toFixed(3)]);
    }
    const slower = (on: number, off: number) => `${(((on - off) / off) * 100).toFixed(1)} %`;
    console.log(`verification: build ${buildOn.toFixed(1)} vs ${buildOff.toFixed(1)} s, cached ${cachedOn.toFixed(1)} vs ${cachedOff.toFixed(1)} s`);
    writeSection(
      'Transform throughput',
      `\`npm run bench:transform\`: ${ROWS.toLocaleString('en')} synthetic rows (\`dfp synth\`, fitted on the real subset) ingested with \`dfp ingest\`, then \`dfp transform --json\` builds all five models in one DuckDB session and commits them (schema tests included; wall time of the command). ${raw.toLocaleString('en')} apps after deduplication.\n\n` +
        markdownTable(['run', 'seconds', 'raw rows/s'], [
          ['full build', build.seconds.toFixed(1), formatRate(rate)],
          ['re-run, all cached', cachedRun.seconds.toFixed(1), '—'],
        ]) +
        '\n\nPer model (build, seconds include its schema tests):\n\n' +
        markdownTable(['model', 'status', 'rows', 'seconds', 'tests passed'], rows) +
        '\n\nCost of the lake\'s integrity checks (every table read is first checked against the sha256 it is named by; a verified-at-first-read cache keyed by path, inode, size, mtime and ctime spares re-hashing unchanged files): the same commands on copies of the ingested lake with and without `DFP_BENCH_SKIP_VERIFY=1` (objects trusted by name, as before), interleaved, best of 2. A build checks the raw table it reads and stores new objects; a cached re-run checks every table it reads. The writer of an object records it as verified, so these checks come from the verified-files cache (two stats and a tiny read each); a full hash is paid only for an object this workspace has not verified yet (written elsewhere, or touched by a reuse). The full sha256 of each table object below, timed in-process and so free of machine noise, is that worst case. Target ≤ 5 % slower.\n\n' +
        markdownTable(['run', 'verified s', 'unverified s', 'slower by'], [
          ['full build', buildOn.toFixed(1), buildOff.toFixed(1), slower(buildOn, buildOff)],
          ['re-run, all cached', cachedOn.toFixed(1), cachedOff.toFixed(1), slower(cachedOn, cachedOff)],
        ]) +
        '\n\n' +
        markdownTable(['table', 'object size', 'sha256 seconds'], hashRows),
    );
    console.log('written to bench/RESULTS.md');
  } finally {
    for (const ws of [home, ...Object.values(copies)]) if (ws) rmSync(ws, { recursive: true, force: true });
  }
}

await main();
