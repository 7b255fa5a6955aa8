// The verified-at-first-read cache: remembered only when the file is settled, forgotten by any change to the
// file, even one that puts the mtime back, and never trusted by a forced check. The clock is the test's, so
// no test waits for the racy-file window to pass.
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sha256Hex } from './canonical.ts';
import { VerifiedFiles } from './verified-files.ts';

const root = mkdtempSync(join(tmpdir(), 'dfp-verified-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A file with known content, and a cache whose clock says the file was written long ago. */
function setup(content = 'parquet bytes, more or less'): { path: string; hash: string; settled: VerifiedFiles } {
  const path = join(root, `f${++n}.parquet`);
  writeFileSync(path, content);
  return { path, hash: sha256Hex(content), settled: new VerifiedFiles(join(root, `markers-${n}`), { now: () => Date.now() + 3_600_000 }) };
}

/** Changes one byte in place (same inode), then puts the mtime back as it was. */
function flipInPlace(path: string): void {
  const before = statSync(path);
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.from('X'), 0, 1, 3);
  closeSync(fd);
  utimesSync(path, before.atime, before.mtime);
}

test('a verified file is remembered: the next check does not read it', async () => {
  const { path, hash, settled } = setup();
  assert.deepEqual(await settled.check(path, hash), { state: 'good', bytes: 27, hashed: true });
  assert.deepEqual(await settled.check(path, hash), { state: 'good', bytes: 27, hashed: false });
  assert.equal((await settled.check(path, hash, true)).hashed, true, 'a forced check always hashes');
});

test('a change in place is seen even with the mtime put back (ctime moves)', async () => {
  const { path, hash, settled } = setup();
  await settled.check(path, hash);
  flipInPlace(path);
  const check = await settled.check(path, hash);
  assert.equal(check.state, 'damaged');
  assert.equal(check.hashed, true);
  assert.notEqual(check.sha256, hash);
});

test('truncation, replacement and removal are seen', async () => {
  const { path, hash, settled } = setup();
  await settled.check(path, hash);
  truncateSync(path, 5);
  assert.equal((await settled.check(path, hash)).state, 'damaged');
  writeFileSync(path, 'parquet bytes, more or less');
  assert.equal((await settled.check(path, hash)).state, 'good');
  rmSync(path);
  assert.deepEqual(await settled.check(path, hash), { state: 'missing', hashed: false });
});

test('a file changed within the racy window is verified but not remembered', async () => {
  const { path, hash } = setup();
  const racy = new VerifiedFiles(join(root, 'racy'), { now: () => statSync(path).ctimeMs });
  assert.equal((await racy.check(path, hash)).hashed, true);
  assert.equal((await racy.check(path, hash)).hashed, true, 'still hashed: the file may change again within its timestamp tick');
});

test('a marker for other content or another path does not vouch', async () => {
  const { path, hash, settled } = setup();
  await settled.check(path, hash);
  assert.equal((await settled.check(path, sha256Hex('something else'))).state, 'damaged');
  await settled.forget(path);
  assert.equal((await settled.check(path, hash)).hashed, true, 'forgotten: hashed again');
});

test('a writer can vouch for a file it just wrote; any later change still shows', async () => {
  const { path, hash, settled } = setup();
  await settled.vouch(path, hash);
  assert.deepEqual(await settled.check(path, hash), { state: 'good', bytes: 27, hashed: false });
  flipInPlace(path);
  assert.equal((await settled.check(path, hash)).state, 'damaged');
});
