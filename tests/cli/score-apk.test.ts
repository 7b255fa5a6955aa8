// From an APK to a verdict, on the models `dfp run` registers (a small self-made KronoDroid file, a few epochs): the
// static-only detector (kronodroid_detector_static) whose score cannot move with any system-call input, `dfp score
// --apk` (static-only without a trace, the full detector with one) and POST /v1/score/apk (verdict, model, top features,
// syscalls_absent; 422 for what is not an APK; 413 for an upload over the limit, however it is sent). APKs are built by
// aapt, as the fingerprint tests build theirs (skips visibly without it).
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/core/config/load.ts';
import { FEATURE_COLUMNS, SYSCALL_COLUMNS } from '../../src/core/kronodroid/schema.ts';
import { mulberry32 } from '../../src/core/ml/prng.ts';
import { fingerprintApk } from '../../src/fingerprint/fingerprint.ts';
import { aaptMissing, buildTestApks, zipBytes } from '../../src/fingerprint/testing/apks.ts';
import { writeTrainableCsv } from '../../src/ingest/testing.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { RunSummary } from '../../src/pipeline/types.ts';
import { Scorer } from '../../src/runtime/scorer.ts';
import { apkRow } from '../../src/score/apk.ts';
import { type RunningServer, startServer } from '../../src/serve/start.ts';
import { runDfp } from '../support/cli.ts';
import { FAST_TRAIN, dfpJson, readyz } from '../support/trainable-workspace.ts';

const missing = aaptMissing();
if (missing) process.stderr.write(`\n  SKIPPING APK scoring tests: ${missing}\n\n`);

const STATIC = 'kronodroid_detector_static';
const DETECTOR = 'kronodroid_detector';
const APK_TYPE = 'application/vnd.android.package-archive';
const F = FEATURE_COLUMNS.length;
const SYSCALL = new Set<string>(SYSCALL_COLUMNS);

const home = mkdtempSync(join(tmpdir(), 'dfp-score-apk-'));
after(() => rmSync(home, { recursive: true, force: true }));
const env = { DFP_HOME: home };
let summary: RunSummary;
let apks: Record<string, string> = {};
const trace = join(home, 'mixed.strace');
const notZip = join(home, 'bad.apk');

before(() => {
  if (missing) return;
  const csv = writeTrainableCsv(home, 'apps.csv', 240, { families: 4 });
  summary = dfpJson<RunSummary>(['run', '--source', csv, ...FAST_TRAIN], env);
  apks = buildTestApks(home);
  writeFileSync(trace, '100  12:00:00.000001 openat(AT_FDCWD, "/x", O_RDONLY) = 3 <0.000002>\n100  12:00:00.000002 read(3, "", 10) = 0\n100  12:00:00.000003 close(3) = 0 <0.000001>\n');
  writeFileSync(notZip, 'not a zip at all');
});

const modelDir = (name: string) => join(home, 'runs', summary.models[name]!.run_id, 'model');

interface ApkResult {
  file: string;
  sha256: string;
  package: string;
  score: number;
  is_malware: boolean;
  threshold: number;
  model: { name: string; version: string };
  syscalls_absent: boolean;
  explanation: string;
  top_features: { name: string; value: number }[];
  warnings: string[];
  error?: { code: string; reason: string; message: string };
}

/** 16 apps (the same static columns every call) whose system-call columns are `v`. */
function rowsWithSyscalls(v: (r: () => number) => number): Float32Array {
  const base = mulberry32(5);
  const calls = mulberry32(6);
  const x = new Float32Array(16 * F);
  for (let i = 0; i < x.length; i++) {
    const own = base() < 0.5 ? 0 : Math.floor(base() * 30);
    x[i] = SYSCALL.has(FEATURE_COLUMNS[i % F]!) ? v(calls) : own;
  }
  return x;
}

test('dfp run registers the static-only detector: its metadata says so, and no system-call input moves its score', { skip: missing }, async () => {
  assert.ok(summary.steps.train_classifier_static && summary.steps.register_classifier_static && summary.steps.export_classifier_static);
  const m = summary.models[STATIC]!;
  assert.equal(m.kind, 'classifier');
  assert.equal(m.static_only, true);
  assert.equal(summary.models[DETECTOR]!.static_only, false);
  assert.equal(m.production, true);

  const stat = await Scorer.load(modelDir(STATIC));
  const full = await Scorer.load(modelDir(DETECTOR));
  try {
    assert.equal(stat.metadata.static_only, true);
    assert.equal(full.metadata.static_only, false);
    // The same apps with their system-call columns missing, zero, huge, or random: the static model's scores are equal.
    const n = 16;
    const variants = [rowsWithSyscalls(() => Number.NaN), rowsWithSyscalls(() => 0), rowsWithSyscalls(() => 1e9), rowsWithSyscalls((r) => Math.floor(r() * 5000)), rowsWithSyscalls(() => Number.POSITIVE_INFINITY)];
    const staticScores = await Promise.all(variants.map(async (x) => [...(await stat.score(x, n)).scores]));
    for (const s of staticScores.slice(1)) assert.deepEqual(s, staticScores[0]);
    // The full detector does read them: the same change moves its scores (so the check above could fail).
    const fullScores = await Promise.all(variants.slice(1, 4).map(async (x) => [...(await full.score(x, n)).scores]));
    assert.notDeepEqual(fullScores[0], fullScores[1]);
  } finally {
    await stat.close();
    await full.close();
  }
});

describe('dfp score --apk', { skip: missing }, () => {
  test('without a trace: the static-only detector, said so, with the score the runtime gives the fingerprint row', async () => {
    const r = runDfp(['score', '--apk', apks.mixed!, apks.minimal!, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { apps: ApkResult[]; scored: number; flagged: number; failed: number };
    assert.equal(out.scored, 2);
    assert.equal(out.failed, 0);
    const [mixed, minimal] = out.apps;
    for (const a of [mixed!, minimal!]) {
      assert.deepEqual(a.model, { name: STATIC, version: '1' });
      assert.equal(a.syscalls_absent, true);
      assert.equal(a.is_malware, a.score > a.threshold);
      assert.equal(a.explanation, 'occlusion');
      assert.ok(a.top_features.every((f) => !SYSCALL.has(f.name)), 'no system call explains a static-only score');
    }
    assert.equal(mixed!.package, 'org.dfp.mixed');
    assert.equal(out.flagged, out.apps.filter((a) => a.is_malware).length);
    // The mixed app has permissions the training apps vary on: something explains its score.
    assert.ok(mixed!.top_features.length > 0);

    const fp = await fingerprintApk({ name: apks.mixed!, path: apks.mixed! });
    assert.equal(mixed!.sha256, fp.sha256);
    const stat = await Scorer.load(modelDir(STATIC));
    try {
      const expected = (await stat.score(apkRow(fp), 1)).scores[0]!;
      assert.ok(Math.abs(mixed!.score - expected) < 1e-6, `${mixed!.score} vs ${expected}`);
    } finally {
      await stat.close();
    }

    const human = runDfp(['score', '--apk', apks.mixed!], env);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`mixed\\.apk: (MALWARE|benign) score [0-9.]+ \\(threshold [0-9.]+\\) by ${STATIC} v1 \\(static-only: no trace, system calls absent\\)`));
  });

  test('with --trace: the full detector, system calls present', () => {
    const r = runDfp(['score', '--apk', apks.mixed!, '--trace', trace, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const a = (JSON.parse(r.stdout) as { apps: ApkResult[] }).apps[0]!;
    assert.deepEqual(a.model, { name: DETECTOR, version: '1' });
    assert.equal(a.syscalls_absent, false);
    assert.equal(a.is_malware, a.score > a.threshold);
  });

  test('a bad APK is reported beside the good one; none readable is exit 1; a model that reads system calls is refused without a trace', () => {
    const both = runDfp(['score', '--apk', notZip, apks.mixed!, '--json'], env);
    assert.equal(both.code, 0, both.stderr);
    const out = JSON.parse(both.stdout) as { apps: ApkResult[]; failed: number };
    assert.equal(out.failed, 1);
    assert.equal(out.apps[0]!.error!.reason, 'not_zip');
    assert.match(out.apps[0]!.error!.message, /bad\.apk: not a zip archive/);
    assert.equal(out.apps[1]!.model.name, STATIC);

    const none = runDfp(['score', '--apk', notZip], env);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no APK could be read: .*bad\.apk: not a zip archive/);

    const full = runDfp(['score', '--apk', apks.mixed!, '--model', summary.models[DETECTOR]!.run_id], env);
    assert.equal(full.code, 2, full.stderr);
    assert.match(full.stderr, /reads system calls, and this app has no trace: without one only a static-only detector can score it/);

    assert.equal(runDfp(['score', '--apk', apks.mixed!, '--input', 'apps.csv'], env).code, 2);
    assert.equal(runDfp(['score', '--trace', trace], env).code, 2);
    assert.match(runDfp(['score'], env).stderr, /needs --model, --input, --out \(or --apk/);
  });

  test('folders and zips of APKs, as dfp fingerprint reads them: one verdict per inner APK', () => {
    const dir = join(home, 'folder');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    copyFileSync(apks.minimal!, join(dir, 'sub', 'minimal.apk'));
    writeFileSync(join(dir, 'bundle.zip'), zipBytes([{ name: 'a/mixed.apk', data: readFileSync(apks.mixed!), method: 'store' }, { name: 'many.apk', data: readFileSync(apks.many!), method: 'store' }]));
    const r = runDfp(['score', '--apk', dir, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { apps: ApkResult[] };
    assert.deepEqual(out.apps.map((a) => [a.file.slice(dir.length + 1), a.package, a.model.name]), [
      ['bundle.zip!/a/mixed.apk', 'org.dfp.mixed', STATIC],
      ['bundle.zip!/many.apk', 'org.dfp.many', STATIC],
      ['sub/minimal.apk', 'org.dfp.minimal', STATIC],
    ]);
  });

  test('no static-only detector registered: NOT_FOUND saying that dfp run trains it', () => {
    const r = runDfp(['score', '--apk', apks.mixed!, 'serve.static_model=no_such_model'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no_such_model.*`dfp run` trains and registers the static-only detector/);
  });
});

/** A server on the workspace (registry models at production), APK uploads limited to 64 KiB. */
function serve(overrides: string[] = []): Promise<RunningServer> {
  const config = loadConfig({ overrides: [`workspace=${home}`, 'serve.poll_seconds=0', 'serve.apk_limit_bytes=65536', ...overrides], env: {} }).config;
  return startServer(config, { host: '127.0.0.1', port: 0, log: silentLogger });
}

/**
 * POSTs a body of `total` bytes made as the socket takes them (never held whole), with or without a Content-Length
 * that says so; resolves with the answer and how many bytes were made by then.
 */
function upload(url: string, total: number, withLength: boolean): Promise<{ status: number; body: string; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const chunk = Buffer.alloc(64 * 1024, 0x50);
    const req = request(`${url}/v1/score/apk`, { method: 'POST', headers: { 'content-type': APK_TYPE, ...(withLength ? { 'content-length': String(total) } : {}) } }, (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body, sent });
        req.destroy();
      });
    });
    // Once answered, the server may close the connection on the rest of the upload.
    req.on('error', (e) => (answered ? undefined : reject(e)));
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('POST /v1/score/apk', { skip: missing }, () => {
  let s: RunningServer;
  before(async () => {
    if (!missing) s = await serve();
  });
  after(async () => {
    await s?.close();
  });

  const post = async (payload: Buffer, type = APK_TYPE) => {
    const res = await s.app.inject({ method: 'POST', url: '/v1/score/apk', headers: { 'content-type': type }, payload });
    return { status: res.statusCode, json: res.json() as Record<string, unknown> & { error?: { code: string; message: string } } };
  };

  test('/readyz and /v1/models name the static-only detector beside the primary and the fingerprint model', async () => {
    const ready = (await s.app.inject({ method: 'GET', url: '/readyz' })).json() as { status: string; static?: { name: string; version: string } };
    assert.equal(ready.status, 'ready');
    assert.deepEqual(ready.static, { name: STATIC, version: '1' });
    const models = (await s.app.inject({ method: 'GET', url: '/v1/models' })).json() as { static: string | null; loaded: { name: string; role: string; metadata: { static_only?: boolean } }[] };
    assert.equal(models.static, STATIC);
    const served = models.loaded.find((m) => m.role === 'static');
    assert.equal(served?.name, STATIC);
    assert.equal(served?.metadata.static_only, true);
    assert.deepEqual(models.loaded.map((m) => m.role), ['primary', 'fingerprint', 'static']);
  });

  test('an APK: score, verdict, the static-only model, top features, syscalls_absent — as dfp score --apk says', async () => {
    const r = await post(readFileSync(apks.mixed!));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const a = r.json as unknown as ApkResult & { features: Record<string, number | string> };
    assert.deepEqual(a.model, { name: STATIC, version: '1' });
    assert.equal(a.syscalls_absent, true);
    assert.equal(a.is_malware, a.score > a.threshold);
    assert.equal(a.package, 'org.dfp.mixed');
    assert.equal(a.features.INTERNET, 1);
    assert.equal(a.features.nr_permissions, 6);
    assert.ok(a.top_features.length > 0 && a.top_features.every((f) => typeof f.name === 'string' && Number.isFinite(f.value) && !SYSCALL.has(f.name)));
    const cli = JSON.parse(runDfp(['score', '--apk', apks.mixed!, '--json'], env).stdout) as { apps: ApkResult[] };
    assert.equal(a.sha256, cli.apps[0]!.sha256);
    assert.ok(Math.abs(a.score - cli.apps[0]!.score) < 1e-6, 'the API and the CLI score the same app the same');
    assert.deepEqual(a.top_features.map((f) => f.name), cli.apps[0]!.top_features.map((f) => f.name));
  });

  test('what is not an APK: 422 with the fingerprint\'s reason; an empty body 400; another content type 415', async () => {
    const notZipRes = await post(Buffer.from('not a zip at all'));
    assert.equal(notZipRes.status, 422);
    assert.match(notZipRes.json.error!.message, /not a readable APK: not a zip archive/);
    const noManifest = await post(zipBytes([{ name: 'classes.dex', data: Buffer.from('dex\n035') }]));
    assert.equal(noManifest.status, 422);
    assert.match(noManifest.json.error!.message, /no AndroidManifest\.xml/);
    const textManifest = await post(zipBytes([{ name: 'AndroidManifest.xml', data: Buffer.from('<manifest package="x"/>') }]));
    assert.equal(textManifest.status, 422);
    assert.match(textManifest.json.error!.message, /plain-text XML/);
    assert.equal((await post(Buffer.alloc(0))).status, 400);
    assert.equal((await post(readFileSync(apks.mixed!), 'application/octet-stream')).status, 415);
  });

  test('over serve.apk_limit_bytes: 413 naming the limit, before the upload is read whole (2 GiB said, or sent chunked)', async () => {
    const total = 2 * 1024 * 1024 * 1024;
    for (const withLength of [true, false]) {
      const r = await upload(s.url, total, withLength);
      assert.equal(r.status, 413, r.body);
      assert.match(r.body, /the APK is larger than this server accepts \(serve\.apk_limit_bytes = 65536 bytes\)/);
      // The server answered long before 2 GiB were made: it stopped at the limit (socket buffers add a little).
      assert.ok(r.sent < 256 * 1024 * 1024, `${r.sent} bytes made before the answer (withLength ${withLength})`);
    }
    // The server is still fine.
    assert.equal((await post(readFileSync(apks.minimal!))).status, 200);
  });

  test('the OpenAPI document describes the route: the APK content type and the answers', async () => {
    const doc = (await s.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, { requestBody: { content: Record<string, unknown> }; responses: Record<string, unknown> }>> };
    const op = doc.paths['/v1/score/apk']!.post!;
    assert.ok(APK_TYPE in op.requestBody.content);
    for (const code of ['200', '400', '413', '415', '422', '503']) assert.ok(code in op.responses, code);
  });
});

describe('POST /v1/score/apk: the model under serve.static_model', { skip: missing }, () => {
  test('one that reads system calls is refused (503, saying why); none turns APK scoring off (404)', async () => {
    const wrong = await serve([`serve.static_model=${DETECTOR}`]);
    try {
      const res = await wrong.app.inject({ method: 'POST', url: '/v1/score/apk', headers: { 'content-type': APK_TYPE }, payload: readFileSync(apks.mixed!) });
      assert.equal(res.statusCode, 503);
      assert.match((res.json() as { error: { message: string } }).error.message, new RegExp(`${DETECTOR} v1 \\(serve.static_model\\) reads system calls`));
    } finally {
      await wrong.close();
    }
    const off = await serve(['serve.static_model=none']);
    try {
      const res = await off.app.inject({ method: 'POST', url: '/v1/score/apk', headers: { 'content-type': APK_TYPE }, payload: readFileSync(apks.mixed!) });
      assert.equal(res.statusCode, 404);
      assert.match((res.json() as { error: { message: string } }).error.message, /serve\.static_model is none/);
    } finally {
      await off.close();
    }
  });
});

test('dfp serve says which model scores APKs', { skip: missing }, async () => {
  const r = await readyz(env);
  assert.equal(r.status, 200, r.body);
  assert.match(r.greeting, new RegExp(`APKs \\(POST /v1/score/apk\\): ${STATIC} version 1\\n`));
});

test('dfp train of a tree detector without the system-call columns registers it as the static-only detector; no call input moves its score', { skip: missing }, async () => {
  const r = dfpJson<{ run_id: string; registered: { name: string; version: string } }>(['train', 'model=classifier', 'model.exclude_features=["@syscalls"]', '--register', ...FAST_TRAIN, 'model.classifier.kind=trees'], env);
  assert.deepEqual(r.registered, { ...r.registered, name: STATIC, version: '2' });
  const trees = await Scorer.load(join(home, 'runs', r.run_id, 'model'));
  try {
    assert.equal(trees.metadata.detector, 'trees');
    assert.equal(trees.metadata.static_only, true);
    assert.equal(trees.explainer.method, 'tree_shap');
    const [a, b] = await Promise.all([rowsWithSyscalls(() => Number.NaN), rowsWithSyscalls((r) => Math.floor(r() * 5000))].map(async (x) => [...(await trees.score(x, 16)).scores]));
    assert.deepEqual(a, b);
  } finally {
    await trees.close();
  }
});
