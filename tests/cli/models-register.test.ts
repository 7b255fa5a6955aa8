// `dfp models register` on the embedded store, through the real binary: MLflow's register_model semantics (the model
// is created when missing, each call adds a version pointing at the run's logged model, an optional alias) and the
// refusals (unknown run, a run without a logged model, a bad name or alias), none of which leaves anything behind.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { loadConfig } from '../../src/core/config/load.ts';
import { logModel, openTracking } from '../../src/tracking/index.ts';
import { tinyOnnx } from '../../src/tracking/testing/tiny-model.ts';
import { runDfp } from '../support/cli.ts';

const home = mkdtempSync(join(tmpdir(), 'dfp-models-register-'));
const env = { DFP_HOME: home };
let withModel = '';
let withoutModel = '';

before(async () => {
  const t = await openTracking(loadConfig({ env: { DFP_HOME: home } }).config, { env: {} });
  try {
    const a = await t.createRun({ experiment: 'dfp', runName: 'trained' });
    await logModel(t, a.runId, { onnx: tinyOnnx(), preprocessing: { features: ['a', 'b', 'c', 'd'] } });
    await t.endRun(a.runId);
    withModel = a.runId;
    const b = await t.createRun({ experiment: 'dfp', runName: 'no-model' });
    await t.logBatch(b.runId, { params: { lr: 0.001 } });
    await t.endRun(b.runId);
    withoutModel = b.runId;
  } finally {
    await t.close();
  }
});

interface Registered {
  name: string;
  model_uri: string;
  created_model: boolean;
  alias: string | null;
  version: { name: string; version: string; runId: string; aliases: string[]; source: string };
}

const models = () => (JSON.parse(runDfp(['models', 'list', '--json'], env).stdout) as { models: { name: string; latestVersion: string; aliases: Record<string, string> }[] }).models;

test('a bare run id creates the model, then a runs:/ URI adds version 2; --alias points at the new version', () => {
  const first = runDfp(['models', 'register', withModel, '--name', 'kronodroid_detector', '--alias', 'candidate', '--json'], env);
  assert.equal(first.code, 0, first.stderr);
  const a = JSON.parse(first.stdout) as Registered;
  assert.equal(a.model_uri, `runs:/${withModel}/model`);
  assert.equal(a.created_model, true);
  assert.deepEqual([a.version.version, a.version.runId, a.version.aliases, a.alias], ['1', withModel, ['candidate'], 'candidate']);
  assert.match(a.version.source, /\/model$/, 'the version points at the logged model directory');

  const second = runDfp(['models', 'register', `runs:/${withModel}/model`, '--name', 'kronodroid_detector', '--description', 'again'], env);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /kronodroid_detector version 2 ← runs:\//);
  assert.doesNotMatch(second.stdout, /new registered model/);
  assert.match(second.stdout, /dfp models promote kronodroid_detector 2 --alias production/, 'without an alias it says how to serve it');
  assert.deepEqual(
    models().map((m) => [m.name, m.latestVersion, m.aliases]),
    [['kronodroid_detector', '2', { candidate: '1' }]],
  );
  const show = runDfp(['models', 'show', 'kronodroid_detector', '--json'], env);
  const versions = (JSON.parse(show.stdout) as { versions: { version: string; description: string; runId: string }[] }).versions;
  assert.deepEqual(versions.map((v) => [v.version, v.runId, v.description]), [['2', withModel, 'again'], ['1', withModel, '']]);
});

test('refusals name what is wrong and register nothing', () => {
  const before = JSON.stringify(models());
  const unknown = runDfp(['models', 'register', 'f00dfeedf00dfeedf00dfeedf00dfeed', '--name', 'ghost', '--json'], env);
  assert.equal(unknown.code, 1);
  assert.equal((JSON.parse(unknown.stdout) as { error: { code: string } }).error.code, 'NOT_FOUND');
  assert.match(unknown.stderr, /run 'f00dfeedf00dfeedf00dfeedf00dfeed' \(from runs:\/f00dfeedf00dfeedf00dfeedf00dfeed\/model\) not found/);
  assert.equal(unknown.stderr.trim().split('\n').length, 1);

  const empty = runDfp(['models', 'register', withoutModel, '--name', 'ghost'], env);
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, new RegExp(`run ${withoutModel} has no logged model at 'model' \\(no MLmodel file; it has no artifacts\\)`));

  const badName = runDfp(['models', 'register', withModel, '--name', 'my model/v2'], env);
  assert.equal(badName.code, 2);
  assert.match(badName.stderr, /model name 'my model\/v2' is not allowed: use 1-256 letters, digits/);

  const badAlias = runDfp(['models', 'register', withModel, '--name', 'ghost', '--alias', 'latest'], env);
  assert.equal(badAlias.code, 2);
  assert.match(badAlias.stderr, /alias 'latest' is not allowed/);

  const badSpec = runDfp(['models', 'register', 'not a run', '--name', 'ghost'], env);
  assert.equal(badSpec.code, 2);
  assert.match(badSpec.stderr, /'not a run' is neither a run id nor a model URI/);

  const noName = runDfp(['models', 'register', withModel], env);
  assert.equal(noName.code, 2);
  assert.match(noName.stderr, /give the registered model name with --name/);

  assert.equal(JSON.stringify(models()), before, 'no model named ghost, no new version');
});
