// Registration on a real `mlflow server`: `dfp models register` (a run of this workspace, and one only the server
// knows), its refusals, and `dfp train --register` followed by `dfp serve` answering /readyz 200.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../../src/core/config/load.ts';
import type { Tracking } from '../../../src/core/tracking/index.ts';
import { logModel, openTracking } from '../../../src/tracking/index.ts';
import { tinyOnnx } from '../../../src/tracking/testing/tiny-model.ts';
import { runDfp } from '../../support/cli.ts';
import { freePort } from '../../../src/testing/free-port.ts';
import { FAST_TRAIN, dfpJson, readyz, trainableWorkspace } from '../../support/trainable-workspace.ts';
import { MlflowServer, mlflowMissing } from './server.ts';

const missing = mlflowMissing();
const root = mkdtempSync(join(tmpdir(), 'dfp-mlflow-register-'));

/** GET on MLflow's REST API over a fresh connection: a pooled one may have been closed by the server between two slow CLI calls. */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    httpGet(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    }).on('error', fail);
  });
}

async function rest<R>(url: string, endpoint: string, query: Record<string, string>): Promise<R> {
  const r = await get(`${url}/api/2.0/mlflow/${endpoint}?${new URLSearchParams(query)}`);
  assert.equal(r.status, 200, `${endpoint}: HTTP ${r.status} ${r.body}`);
  return JSON.parse(r.body) as R;
}

interface Registered {
  created_model: boolean;
  alias: string | null;
  version: { name: string; version: string; runId: string; aliases: string[]; source: string };
}

if (missing) {
  process.stderr.write(`\n  SKIPPING MLflow registration tests: ${missing}\n\n`);
  test('MLflow registration (skipped: mlflow not installed)', { skip: missing }, () => {});
} else {
  const server = new MlflowServer(join(root, 'server'), await freePort());
  const ws = join(root, 'ws');
  let t: Tracking;
  let withModel = '';
  let withoutModel = '';
  before(async () => {
    await server.start();
    t = await openTracking(loadConfig({ overrides: [`tracking.uri=${server.url}`], env: { DFP_HOME: ws } }).config, { env: {}, warn: () => undefined });
    const a = await t.createRun({ experiment: 'register', runName: 'trained' });
    await logModel(t, a.runId, { onnx: tinyOnnx() });
    await t.endRun(a.runId);
    withModel = a.runId;
    const b = await t.createRun({ experiment: 'register', runName: 'no-model' });
    await t.endRun(b.runId);
    withoutModel = b.runId;
  });
  after(async () => {
    await t?.close();
    await server.stop();
  });

  test('mlflow: dfp models register creates the model, adds versions and sets the alias on the server', async () => {
    const env = { DFP_HOME: ws, DFP_TRACKING__URI: server.url };
    const first = runDfp(['models', 'register', withModel, '--name', 'det-mlflow', '--alias', 'candidate', '--json'], env);
    assert.equal(first.code, 0, first.stderr);
    const a = JSON.parse(first.stdout) as Registered;
    assert.deepEqual([a.created_model, a.version.version, a.version.runId, a.version.aliases], [true, '1', withModel, ['candidate']]);

    // A workspace that never saw the run: it exists only on the server.
    const elsewhere = { DFP_HOME: mkdtempSync(join(tmpdir(), 'dfp-mlflow-other-')), DFP_TRACKING__URI: server.url };
    const second = runDfp(['models', 'register', `runs:/${withModel}/model`, '--name', 'det-mlflow', '--json'], elsewhere);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual([(JSON.parse(second.stdout) as Registered).created_model, (JSON.parse(second.stdout) as Registered).version.version], [false, '2']);

    const got = await rest<{ model_version: { run_id: string; source: string; aliases?: string[] } }>(server.url, 'model-versions/get', { name: 'det-mlflow', version: '1' });
    assert.equal(got.model_version.run_id, withModel);
    assert.match(got.model_version.source, /\/model$/);
    assert.deepEqual(got.model_version.aliases, ['candidate']);
    const alias = await rest<{ model_version: { version: string } }>(server.url, 'registered-models/alias', { name: 'det-mlflow', alias: 'candidate' });
    assert.equal(alias.model_version.version, '1');
  });

  test('mlflow: unknown run, a run without a model and a bad name are refused, nothing registered', async () => {
    const env = { DFP_HOME: ws, DFP_TRACKING__URI: server.url };
    const unknown = runDfp(['models', 'register', 'f00dfeedf00dfeedf00dfeedf00dfeed', '--name', 'ghost-mlflow', '--json'], env);
    assert.equal(unknown.code, 1, unknown.stderr);
    assert.equal((JSON.parse(unknown.stdout) as { error: { code: string } }).error.code, 'NOT_FOUND');
    assert.match(unknown.stderr, /run 'f00dfeedf00dfeedf00dfeedf00dfeed' \(from runs:\/f00dfeedf00dfeedf00dfeedf00dfeed\/model\) not found/);
    const empty = runDfp(['models', 'register', withoutModel, '--name', 'ghost-mlflow'], env);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, new RegExp(`run ${withoutModel} has no logged model at 'model'`));
    const bad = runDfp(['models', 'register', withModel, '--name', 'a@b'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /model name 'a@b' is not allowed/);
    const r = await get(`${server.url}/api/2.0/mlflow/registered-models/get?name=ghost-mlflow`);
    assert.equal(r.status, 404, 'no empty registered model left behind');
  });

  test('mlflow: dfp train --register, then dfp serve answers /readyz 200', async () => {
    const env = { DFP_TRACKING__URI: server.url };
    const home = trainableWorkspace(env);
    const wenv = { ...env, DFP_HOME: home };
    const trained = dfpJson<{ run_id: string; registered: { name: string; version: string; production: boolean } }>(
      ['train', 'model=classifier', '--register-name', 'detector-mlflow', ...FAST_TRAIN],
      wenv,
    );
    assert.deepEqual([trained.registered.name, trained.registered.version, trained.registered.production], ['detector-mlflow', '1', true]);
    const prod = await rest<{ model_version: { version: string; run_id: string } }>(server.url, 'registered-models/alias', { name: 'detector-mlflow', alias: 'production' });
    assert.deepEqual([prod.model_version.version, prod.model_version.run_id], ['1', trained.run_id]);
    const served = await readyz(wenv, ['serve.model=detector-mlflow']);
    assert.equal(served.status, 200, `${served.body}\n${served.greeting}`);
  });
}
