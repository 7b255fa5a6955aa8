// API contract through fastify.inject on a real model: result shapes, batch (JSON and NDJSON), bad input, limits,
// auth, {"sha256"} lookups in a real embedded online store, readiness, metrics and the OpenAPI document.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { N_FEATURES } from '../core/scoring/features.ts';
import { FeatureFixture, SHA } from '../features/testing/fixtures.ts';
import { materialize } from '../features/materialize/materialize.ts';
import { SqliteOnlineStore } from '../features/online/embedded/sqlite-store.ts';
import { OnlineFeatureService } from '../features/online/service.ts';
import { type Harness, startHarness } from './testing/harness.ts';
import { appBody, sampleRows } from './testing/model.ts';
import { openSession, ort } from '../engine/onnxruntime/index.ts';
import { readFileSync } from 'node:fs';

const rows = sampleRows(8, 42);
const body = (i = 0) => appBody(rows, i);
const json = (payload: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

describe('scoring API (autoencoder, model directory)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ apiKey: 'k3y', maxBatchItems: 50, bodyLimit: 64 * 1024 });
  });
  after(() => h.close());

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });

  test('POST /v1/score returns the documented shape, and the score is the model\'s own', async () => {
    const res = await post('/v1/score', body());
    assert.equal(res.statusCode, 200, res.body);
    const r = res.json();
    assert.deepEqual(Object.keys(r).sort(), ['is_malware', 'model', 'score', 'threshold', 'top_features']);
    assert.equal(typeof r.score, 'number');
    assert.equal(r.is_malware, r.score > r.threshold);
    assert.equal(r.model.name, 'fingerprint');
    assert.match(r.model.version, /^[0-9a-f]{12}$/);
    assert.equal(r.top_features.length, 5);
    for (const f of r.top_features) assert.ok(FEATURE_COLUMNS.includes(f.name) && typeof f.z === 'number');
    const abs = r.top_features.map((f: { z: number }) => Math.abs(f.z));
    assert.deepEqual(abs, [...abs].sort((a: number, b: number) => b - a));
    // Same row straight through onnxruntime.
    const session = await openSession(new Uint8Array(readFileSync(join(h.dir, 'model', 'model.onnx'))));
    const out = await session.run({ x: new ort.Tensor('float32', rows.slice(0, N_FEATURES), [1, N_FEATURES]) });
    await session.release();
    assert.equal(r.score, (out.score!.data as Float32Array)[0]);
  });

  test('sha256 next to features is echoed', async () => {
    const r = (await post('/v1/score', { ...body(), sha256: SHA.c })).json();
    assert.equal(r.sha256, SHA.c);
  });

  test('POST /v1/score/batch: JSON array and NDJSON give the single-call scores in order', async () => {
    const singles = await Promise.all([0, 1, 2, 3].map(async (i) => (await post('/v1/score', body(i))).json().score));
    const arr = await post('/v1/score/batch', [0, 1, 2, 3].map(body));
    assert.equal(arr.statusCode, 200, arr.body);
    // Equal to float32 rounding: see batching.test.ts on onnxruntime's row-position-dependent ReduceSum.
    const close = (got: number[]) => got.forEach((g, i) => assert.ok(Math.abs(g - singles[i]) <= 1e-6 * Math.max(1, Math.abs(singles[i])), `row ${i}`));
    close(arr.json().results.map((r: { score: number }) => r.score));
    const nd = await h.app.inject({ method: 'POST', url: '/v1/score/batch', headers: { 'content-type': 'application/x-ndjson' }, payload: `${[0, 1, 2, 3].map((i) => JSON.stringify(body(i))).join('\n')}\n` });
    assert.equal(nd.statusCode, 200, nd.body);
    close(nd.json().results.map((r: { score: number }) => r.score));
  });

  test('bad input: 400 naming the field, for every class', async () => {
    const missing = body();
    delete missing.read;
    const cases: [unknown, string][] = [
      [{ ...body(), nosuchfeature: 1 }, 'nosuchfeature'],
      [{ ...body(), read: 'many' }, 'read'],
      [{ ...body(), read: '7' }, 'read'],
      [{ ...body(), read: -3 }, 'read'],
      [{ ...body(), read: 2.5 }, 'read'],
      [{ ...body(), read: 1e20 }, 'read'],
      [missing, 'read'],
      [[body()], 'body'],
      ['"just a string"', 'body'],
      [{ sha256: 'not-hex' }, 'sha256'],
    ];
    for (const [payload, field] of cases) {
      const res = await post('/v1/score', payload);
      assert.equal(res.statusCode, 400, `${JSON.stringify(payload).slice(0, 60)}: ${res.body}`);
      const e = res.json().error;
      assert.equal(e.field, field);
      assert.equal(typeof e.code, 'string');
      assert.ok(e.message.length > 10);
    }
    const trunc = await post('/v1/score', '{"read": 1, "wri');
    assert.equal(trunc.statusCode, 400);
    assert.equal(trunc.json().error.field, 'body');
    const batchBad = await post('/v1/score/batch', [body(0), { ...body(1), write: -1 }]);
    assert.equal(batchBad.statusCode, 400);
    assert.equal(batchBad.json().error.field, '[1].write');
    const ndBad = await h.app.inject({ method: 'POST', url: '/v1/score/batch', headers: { 'content-type': 'application/x-ndjson' }, payload: `${JSON.stringify(body())}\n{oops\n` });
    assert.equal(ndBad.statusCode, 400);
    assert.equal(ndBad.json().error.field, '[1]');
    assert.equal((await post('/v1/score/batch', [])).statusCode, 400);
    assert.equal((await post('/v1/score/batch', body())).json().error.field, 'body');
  });

  test('limits: body too large → 413; more apps than serve.max_batch_items → 413; wrong content type → 415', async () => {
    const big = await post('/v1/score', { ...body(), pad: 'x'.repeat(70 * 1024) });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().error.code, 'PAYLOAD_TOO_LARGE');
    const many = await post('/v1/score/batch', Array.from({ length: 51 }, () => ({ sha256: SHA.a })));
    assert.equal(many.statusCode, 413);
    assert.equal(many.json().error.field, 'body');
    const text = await h.app.inject({ method: 'POST', url: '/v1/score', headers: { 'content-type': 'text/plain' }, payload: 'read=1' });
    assert.equal(text.statusCode, 415);
  });

  test('{"sha256"} without an online store configured is a 400 that says so', async () => {
    const res = await post('/v1/score', { sha256: SHA.a });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().error.message, /online feature store/);
  });

  test('admin: no key → 401, wrong key → 401, right key (x-api-key or Bearer) → 200', async () => {
    assert.equal((await post('/v1/admin/reload', {})).statusCode, 401);
    assert.equal((await post('/v1/admin/reload', {}, { 'x-api-key': 'nope' })).statusCode, 401);
    assert.equal((await post('/v1/admin/reload', {}, { authorization: 'Bearer nope-nope-nope-nope' })).statusCode, 401);
    const ok = await post('/v1/admin/reload', {}, { 'x-api-key': 'k3y' });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().changed, false);
    assert.equal((await post('/v1/admin/reload', {}, { authorization: 'Bearer k3y' })).statusCode, 200);
    // A directory has no aliases: promote is a clear 400, not a 500.
    const pr = await post('/v1/admin/promote', { name: 'fingerprint', version: '1', alias: 'production' }, { 'x-api-key': 'k3y' });
    assert.equal(pr.statusCode, 400, pr.body);
    const bad = await post('/v1/admin/promote', { name: 'fingerprint', version: '', alias: 'x' }, { 'x-api-key': 'k3y' });
    assert.equal(bad.json().error.field, 'version');
  });

  test('GET /v1/models, /healthz, /readyz', async () => {
    const m = (await h.app.inject('/v1/models')).json();
    assert.equal(m.alias, 'production');
    assert.equal(m.serving.kind, 'autoencoder');
    assert.equal(m.serving.name, 'fingerprint');
    assert.equal(m.models[0].versions[0].version, m.serving.version);
    assert.deepEqual((await h.app.inject('/healthz')).json(), { status: 'ok' });
    const ready = await h.app.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().model.version, m.serving.version);
  });

  test('GET /metrics: latency by route/status, score histogram, model version gauge, batch sizes', async () => {
    // Its own 200 and 400, so this test does not lean on the ones the tests before it happened to send.
    await post('/v1/score', body());
    await post('/v1/score', { ...body(), read: -1 });
    const res = await h.app.inject('/metrics');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /text\/plain/);
    const t = res.body;
    assert.match(t, /dfp_http_request_duration_seconds_bucket\{le="[^"]+",route="\/v1\/score",method="POST",status="200"\}/);
    assert.match(t, /dfp_http_request_duration_seconds_count\{route="\/v1\/score",method="POST",status="400"\} \d+/);
    assert.match(t, /dfp_score_count\{model="fingerprint",version="[0-9a-f]{12}"\} \d+/);
    assert.match(t, /dfp_model_info\{name="fingerprint",version="[0-9a-f]{12}",alias="production"\} 1/);
    assert.match(t, /dfp_micro_batch_rows_count \d+/);
  });

  test('/docs/json is an OpenAPI document listing the routes and every feature; /docs is served offline', async () => {
    const doc = (await h.app.inject('/docs/json')).json();
    assert.match(doc.openapi, /^3\./);
    for (const p of ['/v1/score', '/v1/score/batch', '/v1/models', '/v1/admin/reload', '/v1/admin/promote', '/healthz', '/readyz', '/metrics']) assert.ok(doc.paths[p], `missing ${p}`);
    const features = doc.components.schemas.AppFeatures ?? Object.values(doc.components.schemas).find((s) => (s as { properties?: object }).properties && 'read' in (s as { properties: object }).properties);
    assert.ok(features, 'AppFeatures schema');
    assert.equal(Object.keys((features as { properties: object }).properties).length, N_FEATURES + 1);
    const html = await h.app.inject('/docs/');
    assert.equal(html.statusCode, 200);
    assert.doesNotMatch(html.body, /(src|href)="https?:/);
    assert.equal((await h.app.inject('/docs/static/swagger-ui-bundle.js')).statusCode, 200);
  });

  test('unknown route → JSON 404', async () => {
    const res = await h.app.inject('/v2/nothing');
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'NOT_FOUND');
  });
});

describe('admin disabled without a key', () => {
  test('403 with how to set one', async () => {
    const h = await startHarness();
    try {
      const res = await h.app.inject({ method: 'POST', url: '/v1/admin/reload', headers: { 'x-api-key': 'anything' } });
      assert.equal(res.statusCode, 403);
      assert.match(res.json().error.message, /serve\.api_key.*DFP_SERVE__API_KEY/);
    } finally {
      await h.close();
    }
  });
});

describe('readiness', () => {
  test('/readyz and /v1/score answer 503 until a model is loaded', async () => {
    const h = await startHarness({ noStart: true });
    try {
      assert.equal((await h.app.inject('/readyz')).statusCode, 503);
      const res = await h.app.inject({ method: 'POST', url: '/v1/score', ...json(body()) });
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().error.code, 'NOT_READY');
      await h.holder.reload();
      assert.equal((await h.app.inject('/readyz')).statusCode, 200);
    } finally {
      await h.close();
    }
  });
});

describe('classifier models', () => {
  test('score is a probability and top_features is empty', async () => {
    const h = await startHarness({ models: [{ kind: 'classifier' }] });
    try {
      const r = (await h.app.inject({ method: 'POST', url: '/v1/score', ...json(body()) })).json();
      assert.ok(r.score > 0 && r.score < 1);
      assert.equal(r.threshold, 0.5);
      assert.deepEqual(r.top_features, []);
    } finally {
      await h.close();
    }
  });
});

describe('{"sha256"} lookups in a real embedded online store', () => {
  let fx: FeatureFixture;
  let store: SqliteOnlineStore;
  let h: Harness;
  before(async () => {
    fx = new FeatureFixture();
    await fx.seed();
    const applied = await fx.apply();
    store = new SqliteOnlineStore(join(fx.config.workspace, 'features', 'online.sqlite'));
    await materialize({ lake: await fx.lake(), ref: 'main', store, applied, workspace: fx.config.workspace, end: new Date('2024-03-05T00:00:00Z') });
    // The fixture's rows are from 2024; pin "now" so the 40-day TTL keeps app a's latest syscall row fresh.
    const service = new OnlineFeatureService(store, applied, () => Date.parse('2024-03-05T00:00:00Z'));
    h = await startHarness({ online: { service } });
  });
  after(async () => {
    await h.close();
    await store.close();
    await fx.close();
  });

  test('a known app is scored from its stored features; missing ones are filled by the model', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/score', ...json({ sha256: SHA.a }) });
    assert.equal(res.statusCode, 200, res.body);
    const r = res.json();
    assert.equal(r.sha256, SHA.a);
    // read, write, INTERNET, REBOOT_PERMISSION are stored; Package, Malware and read_ratio are not features.
    assert.equal(r.imputed_features, N_FEATURES - 4);
    const explicit = new Float32Array(N_FEATURES).fill(NaN);
    explicit[FEATURE_COLUMNS.indexOf('read')] = 3;
    explicit[FEATURE_COLUMNS.indexOf('write')] = 30;
    explicit[FEATURE_COLUMNS.indexOf('INTERNET')] = 1;
    explicit[FEATURE_COLUMNS.indexOf('REBOOT_PERMISSION')] = 0;
    const session = await openSession(new Uint8Array(readFileSync(join(h.dir, 'model', 'model.onnx'))));
    const out = await session.run({ x: new ort.Tensor('float32', explicit, [1, N_FEATURES]) });
    await session.release();
    assert.equal(r.score, (out.score!.data as Float32Array)[0]);
  });

  test('an unknown sha256 is a 404, alone or in a batch (naming the item)', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/score', ...json({ sha256: SHA.d }) });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.field, 'sha256');
    const b = await h.app.inject({ method: 'POST', url: '/v1/score/batch', ...json([{ sha256: SHA.a }, body(), { sha256: SHA.d }]) });
    assert.equal(b.statusCode, 404);
    assert.equal(b.json().error.field, '[2].sha256');
    const ok = await h.app.inject({ method: 'POST', url: '/v1/score/batch', ...json([{ sha256: SHA.a }, body()]) });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().results[0].sha256, SHA.a);
  });

  test('the feature server is mounted: POST /get-online-features', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/get-online-features', ...json({ features: ['syscalls:read'], entities: { sha256: [SHA.a] } }) });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().results[1].values, [3]);
  });
});
