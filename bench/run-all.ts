/** @module `npm run bench`: every benchmark script under bench/, one after the other (each writes its section of RESULTS.md). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const only = process.argv.slice(2);
const suites = ['ingest', 'transform', 'features', 'train-engine', 'serve', 'score', 'dashboard', 'apk'].filter((s) => only.length === 0 || only.includes(s));
let failed = 0;
for (const suite of suites) {
  const script = join(ROOT, 'bench', suite, 'run.ts');
  if (!existsSync(script)) continue;
  console.log(`\n=== bench ${suite}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
