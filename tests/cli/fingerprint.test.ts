// `dfp fingerprint` end to end, through the real binary: one JSON document with a result or an error per file, the exit
// rule (0 when any app was read, 1 when none), and rows written with --out that `dfp ingest` loads, CSV and Parquet.
// Needs aapt (skips visibly without it).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { aaptMissing, buildTestApks } from '../../src/fingerprint/testing/apks.ts';
import { runDfp } from '../support/cli.ts';

const missing = aaptMissing();
if (missing) process.stderr.write(`\n  SKIPPING dfp fingerprint CLI tests: ${missing}\n\n`);
const dir = mkdtempSync(join(tmpdir(), 'dfp-fingerprint-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let apks: Record<string, string> = {};
const trace = join(dir, 'mixed.strace');
before(() => {
  if (!missing) apks = buildTestApks(dir);
  writeFileSync(trace, '100  12:00:00.000001 openat(AT_FDCWD, "/x", O_RDONLY) = 3 <0.000002>\n100  12:00:00.000002 close(3) = 0 <0.000001>\n100  12:00:00.000003 madeup_call() = 0\n');
});

interface Out {
  apps: { file: string; sha256?: string; package?: string; features?: Record<string, number | string>; has_trace: boolean; warnings: string[]; error?: { code: string; reason: string; message: string } }[];
}

test('--json: one document, an entry per file, a bad file reported beside a good one (exit 0)', { skip: missing }, () => {
  const bad = join(dir, 'bad.apk');
  writeFileSync(bad, 'not a zip');
  const r = runDfp(['fingerprint', apks.mixed!, bad, '--trace', trace, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Out;
  assert.equal(out.apps.length, 2);
  const [good, wrong] = out.apps;
  assert.equal(good!.package, 'org.dfp.mixed');
  assert.equal(good!.has_trace, true);
  assert.equal(good!.features!.openat, 1);
  assert.equal(good!.features!.nr_syscalls, 2);
  assert.equal(good!.features!.NrIntReceivers, 2);
  assert.ok(good!.warnings.some((w) => /madeup_call ×1/.test(w)), 'an unknown call is reported');
  assert.deepEqual(wrong!.error && { code: wrong!.error.code, reason: wrong!.error.reason }, { code: 'INPUT_INVALID', reason: 'not_zip' });
  assert.match(wrong!.error!.message, new RegExp(`^${bad}: not a zip archive`));
});

test('no file readable: exit 1 and an error document carrying every file', () => {
  const bad = join(dir, 'bad2.apk');
  writeFileSync(bad, 'still not a zip');
  const r = runDfp(['fingerprint', bad, join(dir, 'missing.apk'), '--json']);
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { error: { code: string; message: string; details: Out } };
  assert.equal(out.error.code, 'INPUT_INVALID');
  assert.deepEqual(out.error.details.apps.map((a) => a.error!.reason), ['not_zip', 'not_found']);
  assert.match(r.stderr, /no app could be read: .*bad2\.apk: not a zip archive/);
});

test('usage errors: nothing to read, a bad --label, a bad --out', () => {
  assert.equal(runDfp(['fingerprint']).code, 2);
  assert.equal(runDfp(['fingerprint', 'x.apk', '--label', 'maybe']).code, 2);
  assert.equal(runDfp(['fingerprint', 'x.apk', '--out', 'x.json']).code, 2);
});

test('--out rows (CSV and Parquet) are loaded by dfp ingest', { skip: missing }, () => {
  const home = mkdtempSync(join(tmpdir(), 'dfp-fingerprint-ingest-'));
  try {
    for (const [ext, table] of [['csv', 'apps_csv'], ['parquet', 'apps_parquet']] as const) {
      const out = join(dir, `rows.${ext}`);
      const r = runDfp(['fingerprint', apks.mixed!, '--trace', trace, '--out', out, '--label', 'malware', '--json'], { DFP_HOME: home });
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { rows: number }).rows, 1);
      if (ext === 'csv') assert.match(readFileSync(out, 'utf8').split('\n')[1]!, /^org\.dfp\.mixed,1,/);
      const ingest = runDfp(['ingest', '--source', out, '--table', table, '--json'], { DFP_HOME: home });
      assert.equal(ingest.code, 0, ingest.stderr);
      const res = JSON.parse(ingest.stdout) as { loaded_rows: number; quarantined_rows: number };
      assert.equal(res.loaded_rows, 1, ingest.stdout);
      assert.equal(res.quarantined_rows, 0, ingest.stdout);
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
