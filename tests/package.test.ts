// What `npm install dfp` gets: the `files` field of package.json, checked on `npm pack --dry-run`. The command and its
// product code, configuration, SQL models, feature repo and the built web app; no tests, benchmarks, test support or
// fixtures.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '..');

/** The packed file list; --ignore-scripts: `prepare` (the web build) has nothing to do with which files are listed. */
function packedFiles(): string[] {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [pack] = JSON.parse(r.stdout) as { files: { path: string }[] }[];
  return pack!.files.map((f) => f.path);
}

test('npm pack ships the command and what it reads at run time, and no tests, benchmarks, test support or fixtures', () => {
  const files = packedFiles();
  const unwanted = files.filter((p) => /\.test\.tsx?$/.test(p) || /(^|\/)testing(\/|\.ts$)/.test(p) || /^(tests|bench|scripts|web\/src)\//.test(p) || /\.py$/.test(p) || /(^|\/)fixtures?\//.test(p));
  assert.deepEqual(unwanted, []);
  for (const needed of ['package.json', 'bin/dfp.js', 'src/cli/main.ts', 'src/runtime/scorer.ts', 'src/engine/onnxruntime/session.ts', 'conf/config.yaml', 'feature_repo/feature_store.yaml']) {
    assert.ok(files.includes(needed), `${needed} is packed`);
  }
  assert.ok(files.some((p) => p.startsWith('analytics/kronodroid/models/') && p.endsWith('.sql')), 'the SQL models are packed');
  // The web app is built by `prepare` (npm ci, npm pack); where it has been built, the build is what ships.
  if (existsSync(join(root, 'web/dist/index.html'))) assert.ok(files.includes('web/dist/index.html'), 'the built web app is packed');
});
