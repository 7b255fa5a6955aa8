// Faults of the machine through the real binary: a full disk, a path dfp may not write, a read-only file system, a
// file where the workspace directory should be and an exhausted fd table exit 1 with STORAGE, naming the path and
// the cause, never 70 INTERNAL. How each is made for real, as root too: /sys (EACCES), /dev/full behind the output
// path (ENOSPC; Node and DuckDB writers), a read-only bind mount and a 64 KiB tmpfs in a private mount namespace
// (EROFS, ENOSPC during ingest staging; skipped without `unshare -m`), a file as DFP_HOME's parent (ENOTDIR), and a
// child that uses up its fds before running the command (EMFILE).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { writeTrainableCsv } from '../../src/ingest/testing.ts';
import { DFP_BIN, runDfp } from '../support/cli.ts';

const root = resolve(import.meta.dirname, '../..');
const tmp = () => mkdtempSync(join(tmpdir(), 'dfp-faults-cli-'));
const source = writeTrainableCsv(tmp(), 'apps.csv', 60);

function storage(r: { code: number; stdout: string; stderr: string }, ...fragments: (string | RegExp)[]): void {
  assert.equal(r.code, 1, `exit ${r.code}: ${r.stderr}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^dfp: error: /);
  const doc = JSON.parse(r.stdout) as { error: { code: string; message: string } };
  assert.equal(doc.error.code, 'STORAGE', doc.error.message);
  for (const f of fragments) assert.ok(typeof f === 'string' ? doc.error.message.includes(f) : f.test(doc.error.message), `"${doc.error.message}" lacks ${String(f)}`);
}

function noUnshare(): string | null {
  const r = spawnSync('unshare', ['-m', 'true'], { encoding: 'utf8' });
  return r.status === 0 ? null : `unshare -m is not available here (${(r.error?.message ?? r.stderr).trim()}): needs CAP_SYS_ADMIN`;
}

/** `dfp args…` inside a private mount namespace after `mounts` (shell commands) ran there. */
function inNamespace(mounts: string, args: string[], env: Record<string, string>): { code: number; stdout: string; stderr: string } {
  const cmd = `${mounts} && exec "$0" "$@"`;
  const r = spawnSync('unshare', ['-m', 'sh', '-c', cmd, process.execPath, DFP_BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('ENOTDIR: a workspace under a file is STORAGE naming the path', () => {
  const file = join(tmp(), 'not-a-dir');
  writeFileSync(file, 'x');
  storage(runDfp(['runs', 'list', '--json'], { DFP_HOME: join(file, 'ws') }), `${file}/ws/tracking`, 'ENOTDIR');
});

test('EACCES: an output path dfp may not write (/sys, even as root) is STORAGE naming it', () => {
  const out = `/sys/kernel/dfp-synth-${process.pid}.csv`;
  storage(runDfp(['synth', '--from', source, '--rows', '10', '--out', out, '--json']), `${out}.tmp`, 'permission denied (EACCES)');
});

test('ENOSPC: a full disk under the output is STORAGE, from Node and from DuckDB (I/O error) alike', () => {
  const dir = tmp();
  symlinkSync('/dev/full', join(dir, 'apps.csv.tmp')); // the writer's temporary file lands on /dev/full
  storage(runDfp(['synth', '--from', source, '--rows', '10', '--out', join(dir, 'apps.csv'), '--json']), 'no space left on device (ENOSPC)');
  symlinkSync('/dev/full', join(dir, 'apps.parquet.tmp'));
  storage(runDfp(['synth', '--from', source, '--rows', '10', '--out', join(dir, 'apps.parquet'), '--json']), 'the SQL engine', `${dir}/apps.parquet.tmp`, 'No space left on device (ENOSPC)');
});

test('ENOSPC during ingest staging (a 64 KiB tmpfs as the workspace) is STORAGE, not INTERNAL', (t) => {
  const why = noUnshare();
  if (why) return t.skip(why);
  const mnt = tmp();
  storage(inNamespace(`mount -t tmpfs -o size=64k tmpfs ${mnt}`, ['ingest', '--source', source, '--json'], { DFP_HOME: join(mnt, 'ws') }), 'No space left on device (ENOSPC)');
});

test('EROFS: writing into a read-only file system is STORAGE naming the path', (t) => {
  const why = noUnshare();
  if (why) return t.skip(why);
  const src = tmp();
  const ro = tmp();
  storage(inNamespace(`mount --bind ${src} ${ro} && mount -o remount,ro,bind ${ro}`, ['synth', '--from', source, '--rows', '10', '--out', join(ro, 'apps.csv'), '--json'], {}), `${ro}/apps.csv.tmp`, 'read-only file system (EROFS)');
});

test('EMFILE: a command that finds no free file descriptor is STORAGE saying so', () => {
  // The child loads dfp, uses up its fds, then runs `dfp config show`, whose config loader must open files.
  const script = join(tmp(), 'emfile.mts');
  writeFileSync(
    script,
    `import { openSync } from 'node:fs';\nimport { main } from ${JSON.stringify(join(root, 'src/cli/main.ts'))};\nconst fds: number[] = [];\ntry { for (;;) fds.push(openSync('/dev/null', 'r')); } catch { /* full */ }\nprocess.exitCode = await main(['config', 'show', '--json']);\n`,
  );
  const r = spawnSync('sh', ['-c', `ulimit -n 256 && exec "$0" --import tsx "$1"`, process.execPath, script], { cwd: root, encoding: 'utf8', env: { ...process.env, DFP_HOME: tmp() } });
  storage({ code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }, 'too many open files', 'EMFILE', 'ulimit -n');
});
