// dfp fingerprint's use case on real aapt-built APKs (counts equal to what each manifest declares), Android's
// framework-res.apk, folders and zips of APKs, and hostile inputs: each one an error naming the file and what is
// wrong, while the other files of the same call are still read. APK tests skip visibly without aapt.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PERMISSION_COLUMNS, SYSCALL_COLUMNS, lakeName } from '../core/kronodroid/schema.ts';
import { type AppFingerprint, fingerprintApk, fingerprintInputs } from './fingerprint.ts';
import { chunks } from './testing/axml-edit.ts';
import { FRAMEWORK_RES, TEST_MANIFESTS, aaptMissing, buildTestApks, zipBytes } from './testing/apks.ts';

const missing = aaptMissing();
const dir = mkdtempSync(join(tmpdir(), 'dfp-fingerprint-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let apks: Record<string, string> = {};
before(() => {
  if (!missing) apks = buildTestApks(dir);
});
if (missing) process.stderr.write(`\n  SKIPPING fingerprint tests on aapt-built APKs: ${missing}\n\n`);

const ok = (a: AppFingerprint | undefined): AppFingerprint => {
  assert.ok(a, 'no result');
  assert.equal(a.error, undefined, `unexpected error: ${JSON.stringify(a.error)}`);
  return a;
};

test('each test APK gives exactly the counts its manifest declares, and the KronoDroid identities hold', { skip: missing }, async () => {
  for (const [name, m] of Object.entries(TEST_MANIFESTS)) {
    const a = ok(await fingerprintApk({ name, path: apks[name]! }));
    const f = a.features!;
    for (const [col, v] of Object.entries(m.expect)) assert.equal(f[col], v, `${name}: ${col}`);
    const flags = PERMISSION_COLUMNS.map(lakeName).reduce((s, c) => s + Number(f[c]), 0);
    assert.equal(f.nr_permissions, flags, `${name}: nr_permissions = sum of the 166 flags`);
    assert.equal(Number(f.normal) + Number(f.dangerous) + Number(f.signature), f.nr_permissions, `${name}: levels split nr_permissions`);
    assert.equal(f.total_perm, Number(f.nr_permissions) + Number(f.nr_custom), `${name}: total_perm`);
    assert.equal(f.custom_yes, Number(f.nr_custom) > 0 ? 1 : 0, `${name}: custom_yes`);
    assert.equal(f.TotalIntentFilters, Number(f.NrIntActivities) + Number(f.NrIntServices) + Number(f.NrIntReceivers), `${name}: TotalIntentFilters`);
    assert.equal(a.has_trace, false);
    assert.ok(!SYSCALL_COLUMNS.some((c) => c in f), 'no system-call columns without a trace');
    assert.match(a.sha256!, /^[0-9a-f]{64}$/);
  }
});

test('archive columns: entries, sizes, dates; unknown and column-less permissions are named in the warnings', { skip: missing }, async () => {
  const a = ok(await fingerprintApk({ name: 'mixed', path: apks.mixed! }));
  const f = a.features!;
  assert.equal(f.FilesInsideAPK, 3, 'manifest + two assets');
  assert.equal(f.CFileSize, readFileSync(apks.mixed!).length);
  assert.ok(Number(f.UFileSize) > 4096 + 5, 'uncompressed sizes include the 4 KiB asset');
  assert.match(String(f.EarliestModDate), /^\d{4}-\d{2}-\d{2}$/);
  assert.equal(a.package, 'org.dfp.mixed');
  assert.ok(a.warnings.some((w) => /not define.*ACCESS_DOWNLOAD_MANAGER.*NOT_A_PERMISSION/.test(w)), a.warnings.join('\n'));
  assert.ok(a.warnings.some((w) => /without a KronoDroid column.*MANAGE_USERS/.test(w)), a.warnings.join('\n'));
});

test('framework-res.apk reads without error', { skip: missing }, async () => {
  const a = ok(await fingerprintApk({ name: FRAMEWORK_RES, path: FRAMEWORK_RES }));
  assert.equal(a.package, 'android');
  assert.ok(Number(a.features!.FilesInsideAPK) > 1000);
});

test('a folder and a zip of APKs expand into their APKs, from memory', { skip: missing }, async () => {
  const folder = join(dir, 'folder');
  mkdirSync(join(folder, 'sub'), { recursive: true });
  writeFileSync(join(folder, 'sub', 'm.apk'), readFileSync(apks.mixed!));
  writeFileSync(join(folder, 'readme.txt'), 'not an apk');
  const bundle = join(dir, 'bundle.zip');
  writeFileSync(bundle, zipBytes([{ name: 'a/minimal.apk', data: readFileSync(apks.minimal!) }, { name: 'many.apk', data: readFileSync(apks.many!), method: 'store' }]));
  const apps = await fingerprintInputs([folder, bundle], []);
  assert.deepEqual(apps.map((a) => ok(a).package), ['org.dfp.mixed', 'org.dfp.minimal', 'org.dfp.many']);
  assert.equal(apps[1]!.file, `${bundle}!/a/minimal.apk`);
  const direct = ok(await fingerprintApk({ name: 'x', path: apks.many! }));
  assert.equal(apps[2]!.sha256, direct.sha256, 'an inner APK hashes to the same sha256 as the file');
});

test('an APK and its trace give a full row; several APKs pair traces by file name', { skip: missing }, async () => {
  const trace = join(dir, 'mixed.strace');
  writeFileSync(trace, '100  openat(AT_FDCWD, "/x", O_RDONLY) = 3\n100  read(3, "", 10) = 0\n100  close(3) = 0\n');
  const decoy = join(dir, 'mixedup.strace'); // starts with "mixed" but is not "mixed" + separator: claims nothing
  writeFileSync(decoy, '1 getuid() = 0\n');
  const apps = await fingerprintInputs([apks.mixed!, apks.minimal!], [trace, decoy]);
  assert.equal(apps.length, 3);
  assert.equal(apps[2]!.file, decoy);
  const [m, n] = apps.map(ok);
  assert.equal(m!.has_trace, true);
  assert.deepEqual(m!.traces, [trace]);
  assert.equal(m!.features!.nr_syscalls, 3);
  assert.equal(m!.features!.openat, 1);
  assert.equal(m!.features!.INTERNET, 1);
  assert.equal(n!.has_trace, false);
});

// ---- hostile inputs: every one read in the same call as a good APK, which must still come out right ----

function hostile(name: string, bytes: Buffer | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

async function refused(file: string, reason: string, message: RegExp, limits?: Parameters<typeof fingerprintInputs>[2]): Promise<void> {
  const inputs = missing ? [file] : [file, apks.minimal!];
  const apps = await fingerprintInputs(inputs, [], limits);
  const bad = apps[0]!;
  assert.ok(bad.error, `${file} was accepted`);
  assert.equal(bad.error.reason, reason, bad.error.message);
  assert.ok(bad.error.message.startsWith(`${file}: `), `the message names the file: ${bad.error.message}`);
  assert.match(bad.error.message, message);
  if (!missing) assert.equal(ok(apps[1]).package, 'org.dfp.minimal', 'the good APK of the same call is still read');
}

const axmlOf = async () => {
  const { openArchiveFile, manifestEntry } = await import('./apk/archive.ts');
  const a = await openArchiveFile(apks.minimal!);
  try {
    return await a.read(manifestEntry(a)!, 1 << 20, 'm');
  } finally {
    a.close();
  }
};

test('not a zip', () => refused(hostile('not-zip.apk', 'hello, I am text\n'.repeat(10)), 'not_zip', /not a zip archive/));

test('a missing file, and a folder without APKs', async () => {
  await refused(join(dir, 'nope.apk'), 'not_found', /no such file/);
  await refused(mkdtempSync(join(dir, 'empty-')), 'not_found', /no \.apk or \.zip file in this folder/);
});

test('a truncated zip', { skip: missing }, async () => {
  const whole = readFileSync(apks.mixed!);
  await refused(hostile('truncated.apk', whole.subarray(0, Math.floor(whole.length * 0.6))), 'truncated', /truncated: it starts with a zip entry but its end \(the central directory\) is missing/);
  // the end record kept, the central directory it points at cut away
  const body = whole.subarray(0, whole.length - 22 - 60);
  await refused(hostile('cut-cd.apk', Buffer.concat([body, whole.subarray(whole.length - 22)])), 'truncated', /truncated or damaged/);
});

test('a zip without a manifest', () => refused(hostile('no-manifest.apk', zipBytes([{ name: 'classes.dex', data: Buffer.from('dex\n035') }])), 'no_manifest', /no AndroidManifest\.xml at the root/));

test('a manifest in plain-text XML', () =>
  refused(hostile('text-manifest.apk', zipBytes([{ name: 'AndroidManifest.xml', data: Buffer.from('<?xml version="1.0"?>\n<manifest package="x"/>\n') }])), 'manifest_text', /plain-text XML/));

test('corrupt binary XML: bad chunk size, string index out of range', { skip: missing }, async () => {
  const good = await axmlOf();
  const badSize = Buffer.from(good);
  badSize.writeUInt32LE(3, 8 + 4); // the string pool's size, below its header
  await refused(hostile('bad-chunk.apk', zipBytes([{ name: 'AndroidManifest.xml', data: badSize }])), 'manifest_corrupt', /damaged binary XML: chunk 0x1 has size 3/);
  const badIndex = Buffer.from(good);
  const element = chunks(badIndex).find((c) => c.type === 0x0102)!;
  badIndex.writeUInt32LE(0x7777, element.at + element.headerSize + 4); // the element's name
  await refused(hostile('bad-index.apk', zipBytes([{ name: 'AndroidManifest.xml', data: badIndex }])), 'manifest_corrupt', /string index 30583 out of range/);
});

test('a zip bomb: a manifest that inflates too far, or too well; declared sizes beyond the total limit', async () => {
  const zeros = Buffer.alloc(40 * 1024 * 1024);
  await refused(hostile('bomb.apk', zipBytes([{ name: 'AndroidManifest.xml', data: zeros }])), 'zip_bomb', /inflates to 41,943,040 bytes \(limit 16,777,216\)/);
  await refused(hostile('ratio.apk', zipBytes([{ name: 'AndroidManifest.xml', data: Buffer.alloc(4 * 1024 * 1024) }])), 'zip_bomb', /compresses \d+:1 \(limit 200:1\): a zip bomb/);
  const { DEFAULT_ARCHIVE_LIMITS } = await import('./apk/archive.ts');
  await refused(hostile('total.apk', zipBytes([{ name: 'AndroidManifest.xml', data: Buffer.from('x') }, { name: 'big.bin', data: Buffer.alloc(2 * 1024 * 1024) }])), 'zip_bomb', /in total \(limit 1,048,576\)/, {
    limits: { ...DEFAULT_ARCHIVE_LIMITS, maxTotalUncompressed: 1024 * 1024 },
  });
});

test("entries with '../' or absolute paths", async () => {
  await refused(hostile('traversal.apk', zipBytes([{ name: 'AndroidManifest.xml', data: Buffer.from('x') }, { name: '../../etc/evil.so', data: Buffer.from('x') }])), 'path_traversal', /'\.\.\/\.\.\/etc\/evil\.so' points outside the archive/);
  await refused(hostile('absolute.apk', zipBytes([{ name: '/tmp/evil', data: Buffer.from('x') }])), 'path_traversal', /'\/tmp\/evil'/);
});

test('two AndroidManifest.xml entries', { skip: missing }, async () => {
  const m = await axmlOf();
  await refused(hostile('two-manifests.apk', zipBytes([{ name: 'AndroidManifest.xml', data: m }, { name: 'AndroidManifest.xml', data: m }])), 'duplicate_manifest', /2 AndroidManifest\.xml entries/);
});

test('a bad inner APK of a zip of APKs is reported by its inner name; its siblings are read', { skip: missing }, async () => {
  const bundle = hostile('mixed-bundle.zip', zipBytes([{ name: 'bad.apk', data: Buffer.from('nope') }, { name: 'good.apk', data: readFileSync(apks.minimal!) }]));
  const apps = await fingerprintInputs([bundle], []);
  assert.equal(apps[0]!.error?.reason, 'not_zip');
  assert.ok(apps[0]!.error!.message.startsWith(`${bundle}!/bad.apk: `));
  assert.equal(ok(apps[1]).package, 'org.dfp.minimal');
});

test('APKs over the in-memory size are read in place with the same result; a damaged entry fails its CRC either way', { skip: missing }, async () => {
  const { DEFAULT_ARCHIVE_LIMITS } = await import('./apk/archive.ts');
  const inPlace = { limits: { ...DEFAULT_ARCHIVE_LIMITS, inMemoryBytes: 0 } };
  const [a] = await fingerprintInputs([apks.mixed!], []);
  const [b] = await fingerprintInputs([apks.mixed!], [], inPlace);
  assert.deepEqual(ok(b), ok(a));
  // a stored (uncompressed) manifest with one byte changed: inflating cannot notice, the CRC-32 must
  const { openArchiveFile, manifestEntry } = await import('./apk/archive.ts');
  const arc = await openArchiveFile(apks.mixed!);
  const m = await arc.read(manifestEntry(arc)!, 1 << 20, 'm');
  arc.close();
  const zip = zipBytes([{ name: 'AndroidManifest.xml', data: m, method: 'store' }]);
  const at = zip.indexOf(m.subarray(0, 64)) + 100;
  zip[at] = zip[at]! ^ 0xff;
  const file = hostile('crc.apk', zip);
  for (const opts of [{}, inPlace]) {
    const [r] = await fingerprintInputs([file], [], opts);
    assert.equal(r!.error?.reason, 'truncated', JSON.stringify(r));
    assert.match(r!.error!.message, /fails its CRC-32 check/);
  }
});

test('random damage to a whole APK (500 seeded mutations) gives a result per file, never a crash', { skip: missing }, async () => {
  const { mulberry32 } = await import('../core/ml/prng.ts');
  const good = readFileSync(apks.mixed!);
  const rand = mulberry32(1616);
  const file = join(dir, 'fuzz.apk');
  let errors = 0;
  for (let i = 0; i < 500; i++) {
    const bytes = Buffer.from(good);
    for (let k = 0, n = 1 + Math.floor(rand() * 6); k < n; k++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
    writeFileSync(file, rand() < 0.2 ? bytes.subarray(0, Math.floor(rand() * bytes.length)) : bytes);
    const apps = await fingerprintInputs([file], []);
    assert.equal(apps.length, 1, `mutation ${i}`);
    if (apps[0]!.error) {
      errors++;
      assert.ok(apps[0]!.error.message.startsWith(`${file}: `), apps[0]!.error.message);
    }
  }
  assert.ok(errors > 50, `only ${errors} of 500 damaged APKs were refused`);
});

test('uses-permission-sdk-23 requests count like uses-permission (androguard reads only the latter)', { skip: missing }, async () => {
  const { buildApk } = await import('./testing/apks.ts');
  const apk = buildApk(dir, 'sdk23', `<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="org.dfp.sdk23">
  <uses-permission-sdk-23 android:name="android.permission.CAMERA"/>
  <uses-permission android:name="android.permission.INTERNET"/>
  <uses-permission-sdk-23 android:name="android.permission.INTERNET"/>
</manifest>
`);
  const f = ok(await fingerprintApk({ name: 'sdk23', path: apk })).features!;
  assert.deepEqual([f.CAMERA, f.INTERNET, f.nr_permissions, f.dangerous, f.normal], [1, 1, 2, 1, 1]);
});

test('a trace no APK claims is an app of its own, said in a warning; a missing or empty trace is reported', { skip: missing }, async () => {
  const other = join(dir, 'zzz.strace');
  writeFileSync(other, '9 getuid() = 0\n');
  const empty = join(dir, 'mixed-empty.strace');
  writeFileSync(empty, 'nothing to see\n');
  const apps = await fingerprintInputs([apks.mixed!, apks.minimal!], [other, empty, join(dir, 'gone.strace')]);
  assert.equal(apps.length, 4);
  const [m, n, orphan, gone] = apps;
  assert.equal(ok(m).has_trace, false, 'the only trace named after it is empty');
  assert.ok(m!.warnings.some((w) => /mixed-empty\.strace: no system calls in it: not strace output \(first line: 'nothing to see'\)/.test(w)), m!.warnings.join('\n'));
  assert.equal(ok(n).has_trace, false);
  assert.equal(ok(orphan).file, other);
  assert.equal(orphan!.features!.getuid32, 1);
  assert.ok(orphan!.warnings.some((w) => /no APK of this call matches this trace/.test(w)));
  assert.equal(gone!.error?.reason, 'not_found');
});
