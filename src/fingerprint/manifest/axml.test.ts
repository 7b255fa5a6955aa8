// The binary-XML decoder on real aapt output (UTF-16), the same documents re-encoded as UTF-8, attribute names
// blanked so only resource ids remain, and damaged copies: each damage is an error saying what is wrong, never a
// crash or a hang. Needs aapt and framework-res.apk (skips visibly without them).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { manifestEntry, openArchiveFile } from '../apk/archive.ts';
import { decodeManifest } from '../apk/read-apk.ts';
import { FRAMEWORK_RES, TEST_MANIFESTS, aaptMissing, buildApk } from '../testing/apks.ts';
import { chunks, withUtf8Pool } from '../testing/axml-edit.ts';
import { AxmlError, decodeAxml } from './axml.ts';

const missing = aaptMissing();
const dir = mkdtempSync(join(tmpdir(), 'dfp-axml-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function manifestBytes(apk: string): Promise<Buffer> {
  const a = await openArchiveFile(apk);
  try {
    return await a.read(manifestEntry(a)!, 1 << 24, 'manifest');
  } finally {
    a.close();
  }
}

const mixed = async () => manifestBytes(buildApk(dir, 'mixed', TEST_MANIFESTS.mixed!.xml));

/** The error decodeManifest gives for the bytes (it must give one). */
function failure(bytes: Buffer): string {
  try {
    decodeManifest(bytes);
  } catch (e) {
    assert.equal((e as { kind?: string }).kind, 'manifest_corrupt', String(e));
    return (e as Error).message;
  }
  assert.fail('damaged manifest was accepted');
}

if (missing) process.stderr.write(`\n  SKIPPING binary-XML tests on aapt output: ${missing}\n\n`);

test('UTF-16 (aapt) and UTF-8 string pools read the same', { skip: missing }, async () => {
  const utf16 = await mixed();
  const utf8 = withUtf8Pool(utf16);
  assert.equal(utf8.readUInt32LE(8 + 16) & 0x100, 0x100, 'the rewritten pool is flagged UTF-8');
  const a = decodeManifest(utf16).facts;
  const b = decodeManifest(utf8).facts;
  assert.deepEqual(b, a);
  assert.equal(a.package, 'org.dfp.mixed');
  assert.ok(a.usesPermissions.includes('com.google.android.c2dm.permission.RECEIVE'));
});

test('attributes are found by resource id when their name strings are garbled (as obfuscators do)', { skip: missing }, async () => {
  const bytes = await mixed();
  const before = decodeManifest(bytes).facts;
  // overwrite the UTF-16 string "name" in the pool with "xxxx": android:name now only has its resource id
  const needle = Buffer.from('name', 'utf16le');
  const hits: number[] = [];
  for (let i = bytes.indexOf(needle); i >= 0; i = bytes.indexOf(needle, i + 1)) if (bytes.readUInt16LE(i - 2) === 4) hits.push(i);
  assert.ok(hits.length >= 1, 'the pool holds the string "name"');
  for (const i of hits) bytes.write('xxxx', i, 'utf16le');
  const after = decodeManifest(bytes).facts;
  assert.deepEqual(after, before);
});

test("framework-res.apk's manifest (Android's own, 500+ permissions) decodes", { skip: missing }, async () => {
  const { facts } = decodeManifest(await manifestBytes(FRAMEWORK_RES));
  assert.equal(facts.package, 'android');
  assert.ok(facts.declaredPermissions.length > 500, `${facts.declaredPermissions.length} declared permissions`);
  const readSms = facts.declaredPermissions.find((p) => p.name === 'android.permission.READ_SMS');
  assert.equal(readSms?.protectionLevel !== null && (readSms!.protectionLevel! & 0xf), 1, 'READ_SMS is dangerous');
});

test('a chunk of size 0 (a parser loop) is refused', { skip: missing }, async () => {
  const bytes = await mixed();
  const el = chunks(bytes).find((c) => c.type === 0x0102)!;
  bytes.writeUInt32LE(0, el.at + 4);
  assert.match(failure(bytes), /size 0, smaller than its header/);
});

test('a chunk larger than its document is refused', { skip: missing }, async () => {
  const bytes = await mixed();
  const el = chunks(bytes).find((c) => c.type === 0x0102)!;
  bytes.writeUInt32LE(0x7fffffff, el.at + 4);
  assert.match(failure(bytes), /past the end of its parent/);
});

test('a header size below 8 is refused', { skip: missing }, async () => {
  const bytes = await mixed();
  const el = chunks(bytes).find((c) => c.type === 0x0102)!;
  bytes.writeUInt16LE(2, el.at + 2);
  assert.match(failure(bytes), /header size 2/);
});

test('a string index out of range is refused', { skip: missing }, async () => {
  const bytes = await mixed();
  const el = chunks(bytes).find((c) => c.type === 0x0102)!;
  bytes.writeUInt32LE(0xfff0, el.at + el.headerSize + 4); // the element's name
  assert.match(failure(bytes), /string index 65520 out of range \(the pool has \d+ strings\)/);
});

test('a string pool whose counts exceed its size is refused', { skip: missing }, async () => {
  const bytes = await mixed();
  const pool = chunks(bytes).find((c) => c.type === 0x0001)!;
  bytes.writeUInt32LE(0x00ffffff, pool.at + 8);
  assert.match(failure(bytes), /string pool declares 16777215 strings/);
});

test('an end tag that closes another element, and a truncated document, are refused', { skip: missing }, async () => {
  const bytes = await mixed();
  const ends = chunks(bytes).filter((c) => c.type === 0x0103);
  const first = chunks(bytes).find((c) => c.type === 0x0102)!;
  const swapped = Buffer.from(bytes);
  swapped.writeUInt32LE(swapped.readUInt32LE(first.at + first.headerSize + 4), ends[0]!.at + ends[0]!.headerSize + 4); // </manifest> where </uses-permission> is
  assert.match(failure(swapped), /end tag <\/manifest> closes <uses-permission>/);
  const cut = Buffer.from(bytes.subarray(0, ends[2]!.at));
  cut.writeUInt32LE(cut.length, 4);
  assert.match(failure(cut), /document ends inside </);
});

test('text XML and random bytes are not binary XML', () => {
  assert.throws(() => decodeManifest(Buffer.from('<?xml version="1.0"?><manifest/>')), (e: Error & { kind?: string }) => e.kind === 'manifest_text' && /plain-text XML/.test(e.message));
  assert.throws(() => decodeManifest(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9])), (e: Error & { kind?: string }) => e.kind === 'manifest_corrupt');
  assert.throws(() => decodeAxml(Buffer.from([3, 0, 8, 0, 4, 0, 0, 0])), AxmlError, 'a document whose size is below its header');
});

test('random damage (3,000 seeded mutations and truncations) gives a reading or an ApkError, never anything else', { skip: missing }, async () => {
  const { mulberry32 } = await import('../../core/ml/prng.ts');
  const { ApkError } = await import('../apk/archive.ts');
  const good = await mixed();
  const rand = mulberry32(16);
  let refused = 0;
  for (let i = 0; i < 3000; i++) {
    let bytes = Buffer.from(good);
    for (let k = 0, n = 1 + Math.floor(rand() * 8); k < n; k++) {
      const at = Math.floor(rand() * bytes.length);
      bytes[at] = rand() < 0.5 ? Math.floor(rand() * 256) : [0, 0xff, 0x7f, 0x80][Math.floor(rand() * 4)]!;
    }
    if (rand() < 0.2) bytes = bytes.subarray(0, Math.floor(rand() * bytes.length));
    try {
      decodeManifest(bytes);
    } catch (e) {
      assert.ok(e instanceof ApkError, `mutation ${i}: ${e instanceof Error ? e.stack : String(e)}`);
      refused++;
    }
  }
  assert.ok(refused > 100, `only ${refused} of 3000 damaged documents were refused`);
});
