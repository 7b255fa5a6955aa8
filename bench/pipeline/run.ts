/**
 * @module `npm run bench:run`: wall time of `dfp run --source <the shared 2019 file>` in a fresh workspace, as a new
 * user runs it (the real binary, default presets: the detector's time-forward selection included), per step and in
 * total, best of `--repeats` (default 2). Target (issue 15): under 60 s.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { requireRealData } from '../../tests/support/shared-data.ts';
import { markdownTable, writeSection } from '../lib/results.ts';

const REAL = requireRealData('bench:run');
const BIN = resolve(import.meta.dirname, '../../bin/dfp.js');
const at = process.argv.indexOf('--repeats');
const REPEATS = at > 0 ? Number(process.argv[at + 1]) : 2;

interface Summary {
  seconds: number;
  steps: Record<string, { status: string; seconds: number }>;
  models: Record<string, { metrics?: { roc_auc?: number; f1?: number } }>;
}

function once(): { wall: number; summary: Summary } {
  const home = mkdtempSync(join(tmpdir(), 'dfp-bench-run-'));
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [BIN, 'run', '--source', REAL, '--json'], { encoding: 'utf8', env: { ...process.env, DFP_HOME: home }, maxBuffer: 64 * 1024 * 1024 });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`dfp run failed (${r.status}): ${r.stderr}`);
    return { wall, summary: JSON.parse(r.stdout) as Summary };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const runs = Array.from({ length: REPEATS }, (_, i) => {
  const r = once();
  process.stderr.write(`bench:run repeat ${i + 1}/${REPEATS}: ${r.wall.toFixed(1)} s\n`);
  return r;
});
const best = runs.reduce((a, b) => (b.wall < a.wall ? b : a));
const steps = Object.entries(best.summary.steps).map(([name, s]) => [name, s.status, s.seconds.toFixed(1)]);
const models = Object.entries(best.summary.models).map(([name, m]) => `${name} ROC-AUC ${m.metrics?.roc_auc?.toFixed(4) ?? '-'}, F1 ${m.metrics?.f1?.toFixed(4) ?? '-'}`);
writeSection(
  '`dfp run` on the shared 2019 file',
  `\`npm run bench:run\`: \`dfp run --source kronodroid-real-2019.csv\` in a fresh workspace, the real binary with the shipped presets (detector kind chosen by the time-forward protocol), best of ${REPEATS} (all: ${runs.map((r) => r.wall.toFixed(1)).join(' s, ')} s). Target: under 60 s. The trainings run side by side (steps overlap, so their seconds add up to more than the wall time).\n\n` +
    `Wall time **${best.wall.toFixed(1)} s** (process start to exit).\n\n${markdownTable(['step', 'status', 'seconds'], steps)}\n\nTest split: ${models.join('; ')}.`,
);
console.log(`dfp run: ${best.wall.toFixed(1)} s (best of ${REPEATS}); written to bench/RESULTS.md`);
