// Kaggle: where credentials come from, the AUTH error when there are none, and a dataset download
// (HTTP basic auth) from a local server standing in for the Kaggle API.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isDfpError } from '../core/errors.ts';
import { kaggleAuth } from './kaggle.ts';
import { resolveSource } from './source.ts';
import { configFor, csvText, headerFor, prepare, rowFor, scratch, sendBytes, serve, zipBytes } from './testing.ts';

const basic = (u: string, k: string) => `Basic ${Buffer.from(`${u}:${k}`).toString('base64')}`;

test('no Kaggle token is an AUTH error saying exactly where to put one', () => {
  const home = scratch();
  assert.throws(() => kaggleAuth({}, home), (e: unknown) => {
    assert.ok(isDfpError(e));
    assert.equal(e.code, 'AUTH');
    assert.ok(e.message.includes(join(home, '.kaggle', 'kaggle.json')), e.message);
    assert.match(e.message, /KAGGLE_API_TOKEN/);
    assert.match(e.message, /KAGGLE_USERNAME and KAGGLE_KEY/);
    return true;
  });
  const dir = scratch();
  assert.throws(() => kaggleAuth({ KAGGLE_CONFIG_DIR: dir }, home), (e: unknown) => isDfpError(e) && e.message.includes(join(dir, 'kaggle.json')));
});

test('credentials: KAGGLE_API_TOKEN (JSON or token), KAGGLE_USERNAME/KAGGLE_KEY, kaggle.json in KAGGLE_CONFIG_DIR', () => {
  const home = scratch();
  assert.equal(kaggleAuth({ KAGGLE_API_TOKEN: '{"username":"ann","key":"k1"}' }, home).header, basic('ann', 'k1'));
  assert.equal(kaggleAuth({ KAGGLE_API_TOKEN: 'KGAT_abc123' }, home).header, 'Bearer KGAT_abc123');
  assert.equal(kaggleAuth({ KAGGLE_USERNAME: 'bob', KAGGLE_KEY: 'k2' }, home).header, basic('bob', 'k2'));
  const dir = join(scratch(), 'kag');
  mkdirSync(dir);
  writeFileSync(join(dir, 'kaggle.json'), '{"username":"cat","key":"k3"}');
  const fromFile = kaggleAuth({ KAGGLE_CONFIG_DIR: dir }, home);
  assert.deepEqual(fromFile, { header: basic('cat', 'k3'), from: join(dir, 'kaggle.json') });
  mkdirSync(join(home, '.kaggle'));
  writeFileSync(join(home, '.kaggle', 'kaggle.json'), '{"username":"dan","key":"k4"}');
  assert.equal(kaggleAuth({}, home).header, basic('dan', 'k4'));
});

test('kaggle:<owner>/<dataset> downloads from the API with basic auth and ingests the archive', async (t) => {
  const header = headerFor();
  const zip = zipBytes([{ name: 'kronodroid.csv', data: Buffer.from(csvText(header, Array.from({ length: 12 }, (_, i) => rowFor(header, i)))) }]);
  const server = await serve((req, res) => {
    if (req.url !== '/api/v1/datasets/download/someone/kronodroid') return void res.writeHead(404).end();
    if (req.headers.authorization !== basic('ann', 'secret')) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Unauthenticated"}');
    sendBytes(req, res, zip);
  });
  t.after(() => server.close());
  const home = scratch();
  const config = configFor(home, [`data.kaggle_api=${server.url}/api/v1`]);
  const kaggleDir = scratch(); // empty: only the variables below count

  const r = await resolveSource('kaggle:someone/kronodroid', { config, workDir: join(home, 'w'), env: { KAGGLE_CONFIG_DIR: kaggleDir, KAGGLE_USERNAME: 'ann', KAGGLE_KEY: 'secret' } });
  assert.equal(r.sources[0]?.uri, 'kaggle:someone/kronodroid');
  assert.deepEqual(r.files.map((f) => f.name), ['kaggle:someone/kronodroid!/kronodroid.csv']);
  const p = await prepare(r.files);
  assert.deepEqual([p.inputRows, p.loadedRows, p.quarantinedRows], [12, 12, 0]);

  const other = configFor(scratch(), [`data.kaggle_api=${server.url}/api/v1`]);
  await assert.rejects(
    resolveSource('kaggle:someone/kronodroid', { config: other, workDir: join(home, 'w2'), env: { KAGGLE_CONFIG_DIR: kaggleDir, KAGGLE_USERNAME: 'ann', KAGGLE_KEY: 'wrong' } }),
    (e: unknown) => isDfpError(e) && e.code === 'AUTH' && /HTTP 401/.test(e.message) && /KAGGLE_USERNAME\/KAGGLE_KEY/.test(e.message),
  );
  await assert.rejects(
    resolveSource('kaggle:someone/kronodroid', { config: other, workDir: join(home, 'w3'), env: { KAGGLE_CONFIG_DIR: kaggleDir } }),
    (e: unknown) => isDfpError(e) && e.code === 'AUTH' && e.message.includes(join(kaggleDir, 'kaggle.json')),
  );
});
