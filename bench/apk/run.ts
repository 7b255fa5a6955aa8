/**
 * @module APK fingerprint throughput: `dfp fingerprint` against androguard (the reference reader, PyPI) on the same
 * APKs in the same run, so machine load affects both alike. The corpus is made here with Debian's aapt from seeded,
 * varied manifests (permissions, up to 60 activities with intent filters, services, receivers, asset files), plus
 * Android's framework-res.apk as one large archive (7,600 entries, a 200 KiB manifest). Both sides do the same work:
 * open the zip, decode AndroidManifest.xml, read permissions, components and intent filters; dfp also hashes the
 * file and sums the entries. Timed in-process (after start-up) and end to end (a fresh process over the corpus).
 * Target: dfp ≥ 10× androguard's APKs/s.
 * Usage: npm run bench:apk [-- --apks 300]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mulberry32 } from '../../src/core/ml/prng.ts';
import { PERMISSION_COLUMN_OF } from '../../src/fingerprint/features/static-features.ts';
import { fingerprintInputs } from '../../src/fingerprint/fingerprint.ts';
import { ANDROGUARD_PEER, FRAMEWORK_RES, PYTHON, aaptMissing, androguardMissing, buildApk } from '../../src/fingerprint/testing/apks.ts';
import { formatRate, markdownTable, writeSection } from '../lib/results.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const WORK = join(ROOT, 'bench/.work/apk');
const apksArg = process.argv.indexOf('--apks');
const N = apksArg > 0 ? Number(process.argv[apksArg + 1]) : 300;

for (const reason of [aaptMissing(), androguardMissing()]) {
  if (reason) {
    process.stderr.write(`bench:apk: ${reason}\n`);
    process.exit(2);
  }
}

const ANDROID = 'xmlns:android="http://schemas.android.com/apk/res/android"';
const ACTIONS = ['android.intent.action.MAIN', 'android.intent.action.VIEW', 'android.intent.action.SEND', 'android.intent.action.BOOT_COMPLETED', 'com.google.firebase.MESSAGING_EVENT', 'android.provider.Telephony.SMS_RECEIVED'];

/** A seeded, app-like manifest: KronoDroid's median app has ~11 activities, ~3 services, ~9 permissions. */
function manifest(i: number): { xml: string; assets: Record<string, Buffer> } {
  const rnd = mulberry32(1000 + i);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const perms = [...PERMISSION_COLUMN_OF.keys()].filter(() => rnd() < 0.08);
  if (rnd() < 0.5) perms.push(`org.bench.app${i}.permission.C2D_MESSAGE`, 'com.google.android.c2dm.permission.RECEIVE');
  const filter = () => `<intent-filter><action android:name="${pick(ACTIONS)}"/><category android:name="android.intent.category.DEFAULT"/></intent-filter>`;
  const comp = (tag: string, n: number) => Array.from({ length: n }, (_, k) => `<${tag} android:name=".${tag}${k}">${rnd() < 0.3 ? filter() : ''}</${tag}>`).join('');
  const xml = `<?xml version="1.0" encoding="utf-8"?>
<manifest ${ANDROID} package="org.bench.app${i}">
${perms.map((p) => `<uses-permission android:name="${p}"/>`).join('\n')}
<application android:label="b">${comp('activity', 1 + Math.floor(rnd() * 60))}${comp('service', Math.floor(rnd() * 10))}${comp('receiver', Math.floor(rnd() * 8))}</application>
</manifest>`;
  const assets: Record<string, Buffer> = {};
  for (let k = 0, n = 2 + Math.floor(rnd() * 20); k < n; k++) assets[`a${k}.bin`] = Buffer.alloc(256 + Math.floor(rnd() * 8192), k);
  return { xml, assets };
}

function seconds<T>(f: () => T): [T, number] {
  const t0 = process.hrtime.bigint();
  const v = f();
  return [v, Number(process.hrtime.bigint() - t0) / 1e9];
}

async function secondsAsync<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const v = await f();
  return [v, Number(process.hrtime.bigint() - t0) / 1e9];
}

/** androguard over the files in one process: its own timing of the reading (import excluded) and the wall time. */
function androguard(files: string[]): { inProcess: number; wall: number } {
  const [r, wall] = seconds(() => spawnSync(PYTHON, [ANDROGUARD_PEER, '--time', ...files], { encoding: 'utf8', maxBuffer: 1 << 26 }));
  if (r.status !== 0) throw new Error(`androguard failed: ${r.stderr}`);
  return { inProcess: (JSON.parse(r.stdout) as { seconds: number }).seconds, wall };
}

/** dfp in this process: best of `reps` runs after a warm-up. */
async function dfpInProcess(inputs: string[], reps: number): Promise<number> {
  const check = await fingerprintInputs(inputs, []);
  const bad = check.filter((a) => a.error);
  if (bad.length) throw new Error(`dfp could not read ${bad.length} benchmark APKs: ${bad[0]!.error!.message}`);
  let best = Infinity;
  for (let r = 0; r < reps; r++) best = Math.min(best, (await secondsAsync(() => fingerprintInputs(inputs, [])))[1]);
  return best;
}

function dfpCli(inputs: string[]): number {
  const [r, wall] = seconds(() => spawnSync(process.execPath, [join(ROOT, 'bin/dfp.js'), 'fingerprint', ...inputs, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, DFP_HOME: join(WORK, 'home') } }));
  if (r.status !== 0) throw new Error(`dfp fingerprint failed: ${r.stderr}`);
  return wall;
}

rmSync(WORK, { recursive: true, force: true });
const corpus = join(WORK, 'corpus');
mkdirSync(corpus, { recursive: true });
process.stderr.write(`bench:apk: building ${N} APKs with aapt…\n`);
for (let i = 0; i < N; i++) {
  const m = manifest(i);
  buildApk(corpus, `app${String(i).padStart(4, '0')}`, m.xml, m.assets);
}
const files = readdirSync(corpus).filter((f) => f.endsWith('.apk')).sort().map((f) => join(corpus, f));

process.stderr.write(`bench:apk: ${files.length} APKs, dfp…\n`);
const dfpSmall = await dfpInProcess([corpus], 3);
const dfpSmallWall = dfpCli([corpus]);
process.stderr.write('bench:apk: androguard…\n');
const agSmall = androguard(files);
process.stderr.write('bench:apk: framework-res.apk…\n');
const dfpFw = await dfpInProcess([FRAMEWORK_RES], 3);
const agFw = androguard([FRAMEWORK_RES]);

const rate = (n: number, s: number) => n / s;
const rows: (string | number)[][] = [
  [`${files.length} aapt-built APKs`, 'dfp fingerprint (in-process)', dfpSmall.toFixed(3), formatRate(rate(files.length, dfpSmall)), `${(agSmall.inProcess / dfpSmall).toFixed(1)}×`],
  ['', 'androguard APK() (in-process)', agSmall.inProcess.toFixed(3), formatRate(rate(files.length, agSmall.inProcess)), '1×'],
  ['', '`dfp fingerprint <folder> --json` (new process)', dfpSmallWall.toFixed(3), formatRate(rate(files.length, dfpSmallWall)), `${(agSmall.wall / dfpSmallWall).toFixed(1)}×`],
  ['', 'androguard, new python process', agSmall.wall.toFixed(3), formatRate(rate(files.length, agSmall.wall)), '1×'],
  ['framework-res.apk (Android 10, 7,600 entries)', 'dfp fingerprint (in-process)', dfpFw.toFixed(3), formatRate(rate(1, dfpFw)), `${(agFw.inProcess / dfpFw).toFixed(1)}×`],
  ['', 'androguard APK() (in-process)', agFw.inProcess.toFixed(3), formatRate(rate(1, agFw.inProcess)), '1×'],
];
const body = `${markdownTable(['APKs', 'reader', 'seconds', 'APKs/s', 'vs androguard'], rows)}

Same files, same run. Both read the zip's central directory and AndroidManifest.xml and extract permissions,
components and intent filters; dfp also hashes each file (sha256) and sums the archive. In-process: dfp best of 3
after a warm-up; androguard one pass, timed inside Python after its import. New process: wall time of one command over
all the APKs, start-up included (dfp's Node and TypeScript loader take most of it on small corpora). Target ≥ 10× androguard.`;
writeSection('APK fingerprint (dfp fingerprint vs androguard)', body);
process.stdout.write(`${body}\n`);
rmSync(WORK, { recursive: true, force: true });
