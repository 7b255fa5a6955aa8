// A malformed app id is the caller's mistake: `dfp features get --entity` exits 2 naming the option, and the
// Feast endpoint answers 400 naming the field, instead of reporting an app that is NOT_FOUND with null values.
// A well-formed id in upper case is the same app (ids are stored in lower case).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { appIdProblem } from '../../core/kronodroid/app-id.ts';
import type { OnlineStore } from '../../core/features/types.ts';
import { runDfp } from '../../../tests/support/cli.ts';
import { materialize } from '../materialize/materialize.ts';
import { openOnlineStore } from '../online/open.ts';
import { OnlineFeatureService } from '../online/service.ts';
import { FeatureFixture, SHA } from '../testing/fixtures.ts';
import { featureServerPlugin } from './feature-server.ts';

const fx = new FeatureFixture();
let store: OnlineStore;
let app: FastifyInstance;

before(async () => {
  await fx.seed();
  const applied = await fx.apply();
  store = await openOnlineStore(fx.config);
  await materialize({ lake: await fx.lake(), ref: 'main', store, applied, workspace: fx.config.workspace });
  app = Fastify();
  await app.register(featureServerPlugin, { service: new OnlineFeatureService(store, applied) });
});
after(async () => {
  await app.close();
  await store.close();
  await fx.close();
});

const post = (entities: unknown[]) => app.inject({ method: 'POST', url: '/get-online-features', payload: { features: ['permissions:INTERNET'], entities: { sha256: entities } } });

test('POST /get-online-features with a malformed sha256 is a 400 naming the field and what an id looks like', async () => {
  for (const [i, bad] of [[0, 'deadbeef'], [1, `${SHA.a.slice(0, 63)}g`]] as const) {
    const entities = i === 0 ? [bad] : [SHA.b, bad];
    const res = await post(entities);
    assert.equal(res.statusCode, 400, res.body);
    const err = (res.json() as { error: { code: string; field: string; message: string } }).error;
    assert.equal(err.field, `entities.sha256[${i}]`);
    assert.match(err.message, /is not an app id: expected its sha256, 64 hex digits/);
  }
});

test('an upper-case sha256 finds the app stored in lower case', async () => {
  const res = await post([SHA.a.toUpperCase()]);
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json() as { results: { values: unknown[]; statuses: string[] }[] };
  assert.deepEqual(body.results[1]?.statuses, ['PRESENT']);
  assert.deepEqual(body.results[1]?.values, [1]);
});

test('dfp features get --entity deadbeef exits 2 naming --entity, before opening any workspace', () => {
  const r = runDfp(['features', 'get', '--entity', 'deadbeef', '--json']);
  assert.equal(r.code, 2, r.stderr);
  const err = (JSON.parse(r.stdout) as { error: { code: string; message: string; details: { key: string } } }).error;
  assert.equal(err.code, 'USAGE');
  assert.equal(err.details.key, '--entity');
  assert.match(err.message, /^--entity: 'deadbeef' is not an app id: expected its sha256, 64 hex digits \(got 8 hex digits\)/);
  assert.match(runDfp(['features', 'get', '--entity', 'app.a']).stderr, /--entity: 'app\.a' is not an app id.*characters other than hex digits/);
});

test('appIdProblem accepts exactly 64 hex digits in either case', () => {
  assert.equal(appIdProblem(SHA.c), undefined);
  assert.equal(appIdProblem(SHA.c.toUpperCase()), undefined);
  for (const bad of ['', 'a'.repeat(63), 'a'.repeat(65), ` ${SHA.c}`]) assert.ok(appIdProblem(bad), JSON.stringify(bad));
});
