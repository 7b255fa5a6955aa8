// The local-directory backend against the shared contract, plus its lock-file crash handling.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { lakeContract, objectStoreContract } from '../../testing/contract.ts';
import { LocalObjectStore } from './local-store.ts';

const root = mkdtempSync(join(tmpdir(), 'dfp-local-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const env = {
  freshSpec: () => ({ backend: 'local' as const, root: join(root, `lake-${++n}`) }),
  killPoints: ['data-upload', 'after-data-upload', 'before-ref-update', 'ref-lock-held'] as const,
};

test('local object store contract', (t) => objectStoreContract(t, { ...env, killPoints: [...env.killPoints] }));
test('local lake contract', (t) => lakeContract(t, { ...env, killPoints: [...env.killPoints] }));

test('a lock left by a dead process is broken at once', async () => {
  const dir = join(root, 'dead-lock');
  const store = new LocalObjectStore(dir, { lockWaitMs: 2000 });
  await store.put('refs/heads/main', 'a\n');
  // A pid that existed and is gone: a child that already exited (and was reaped by spawnSync).
  const dead = spawnSync(process.execPath, ['-e', '0']).pid;
  writeFileSync(join(dir, 'refs/heads/main.lock'), JSON.stringify({ pid: dead, host: (await import('node:os')).hostname(), nonce: 'x' }));
  assert.equal(await store.compareAndSwap('refs/heads/main', 'a\n', 'b\n'), true);
  assert.equal(existsSync(join(dir, 'refs/heads/main.lock')), false);
});

test('a live but old lock is broken after the timeout; a fresh live lock makes CAS wait and fail', async () => {
  const dir = join(root, 'old-lock');
  // Stale after 10 minutes: far beyond anything a loaded machine takes between writing the lock and the CAS giving up.
  const store = new LocalObjectStore(dir, { lockStaleMs: 600_000, lockWaitMs: 300 });
  await store.put('refs/heads/main', 'a\n');
  const lock = join(dir, 'refs/heads/main.lock');
  // Our own pid is alive, so only age can make this lock stale.
  writeFileSync(lock, JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), nonce: 'live' }));
  await assert.rejects(store.compareAndSwap('refs/heads/main', 'a\n', 'b\n'), /is held by pid/);
  const old = (Date.now() - 3_600_000) / 1000;
  utimesSync(lock, old, old);
  assert.equal(await store.compareAndSwap('refs/heads/main', 'a\n', 'b\n'), true);
});

test('list hides temp and lock files; keys cannot escape the root', async () => {
  const dir = join(root, 'hidden');
  const store = new LocalObjectStore(dir);
  await store.put('objects/a.parquet', 'x');
  writeFileSync(join(dir, 'objects/.a.parquet.tmp-1-abcd'), 'partial');
  writeFileSync(join(dir, 'objects/a.parquet.lock'), '{}');
  assert.deepEqual(await store.list('objects/'), ['objects/a.parquet']);
  await assert.rejects(store.get('../etc/passwd'), /invalid object key/);
});
