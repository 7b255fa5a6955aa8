// What `dfp run` and `dfp ingest` tell a user when they fail: offline, the way to a local file; after a failed
// step, a resume command that repeats the source and overrides (so it reads the same capture), and that works.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeTrainableCsv } from '../../src/ingest/testing.ts';
import { runDfp } from '../support/cli.ts';
import { freePort } from '../../src/testing/free-port.ts';

const root = mkdtempSync(join(tmpdir(), 'dfp-run-hints-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** The public archives at a port nothing listens on: what a machine without internet sees. */
async function offlineEnv(home: string): Promise<Record<string, string>> {
  const dead = `http://127.0.0.1:${await freePort()}`;
  return {
    DFP_HOME: home,
    DFP_DATA__KRONODROID__REAL: `[${dead}/real_legitimate_v1.zip, ${dead}/real_malware_v1.zip]`,
    DFP_DATA__KRONODROID__EMULATOR: `[${dead}/emu_legitimate_v1.zip]`,
    DFP_DATA__DOWNLOAD_RETRIES: '0',
  };
}

test('offline, dfp run and dfp ingest on the default source name --source <local file>', async () => {
  const home = join(root, 'offline');
  const env = await offlineEnv(home);
  const run = runDfp(['run'], env);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /step 'ingest' failed: download of http:\/\/127\.0\.0\.1:\d+\/real_legitimate_v1\.zip failed/);
  assert.match(run.stderr, /no internet here\? give a local KronoDroid file instead: --source <local file>/);

  const json = runDfp(['run', 'data=kronodroid_emulator', '--json'], env);
  assert.equal(json.code, 1);
  const err = (JSON.parse(json.stdout) as { error: { code: string; message: string } }).error;
  assert.equal(err.code, 'NETWORK');
  assert.match(err.message, /emu_legitimate_v1\.zip[\s\S]*--source <local file>/);

  const ingest = runDfp(['ingest'], env);
  assert.equal(ingest.code, 1);
  assert.match(ingest.stderr, /--source <local file>/);

  // A local file that is missing is another problem: no offline hint there.
  const missing = runDfp(['ingest', '--source', join(root, 'nope.csv')], env);
  assert.equal(missing.code, 1);
  assert.doesNotMatch(missing.stderr, /no internet/);
});

test('after a failed step, the resume hint repeats --source and every override; running it resumes on the same capture', () => {
  const home = join(root, 'resume');
  const emulator = writeTrainableCsv(root, 'emulator-export.csv', 40, { layout: 'official-emulator', months: 6 });
  const fast = ['train.epochs=2', 'train.patience=1'];
  const failed = runDfp(['run', 'data=kronodroid_emulator', '--source', emulator, ...fast, 'store.registry=/nonexistent/feature_store.yaml'], { DFP_HOME: home });
  assert.equal(failed.code, 1, failed.stderr);
  const hint = /fix the cause and run `([^`]+)` again/.exec(failed.stderr)?.[1];
  assert.equal(hint, `dfp run --source ${emulator} data=kronodroid_emulator train.epochs=2 train.patience=1 store.registry=/nonexistent/feature_store.yaml`);

  // The user fixes the cause (drops the bad registry path) and runs the rest of the hint.
  const args = hint.split(' ').slice(1).filter((a) => !a.startsWith('store.registry='));
  const resumed = runDfp([...args, '--json'], { DFP_HOME: home });
  assert.equal(resumed.code, 0, resumed.stderr);
  const s = JSON.parse(resumed.stdout) as { status: string; steps: Record<string, { status: string }>; data: { raw_table: string; rows: number } };
  assert.equal(s.status, 'succeeded');
  assert.deepEqual([s.steps.ingest?.status, s.steps.transform?.status, s.steps.features?.status], ['cached', 'cached', 'ran']);
  assert.deepEqual([s.data.raw_table, s.data.rows], ['kronodroid_emulator', 40]);
});

test('quoting in the hint: an override with a space is repeated so a shell reads it back as one argument', () => {
  const home = join(root, 'quote');
  const r = runDfp(['run', '--source', join(root, 'no such.csv'), 'lake.author=Ada Lovelace'], { DFP_HOME: home });
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`run \`dfp run --source '${join(root, 'no such.csv').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}' 'lake.author=Ada Lovelace'\` again`));
});
