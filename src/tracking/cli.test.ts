// End to end through the real binary on the embedded store: runs list/show, models list/show/promote, sync, backend choice.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../core/config/load.ts';
import { DfpError } from '../core/errors.ts';
import { runDfp } from '../../tests/support/cli.ts';
import { logModel, openTracking, registerModel } from './index.ts';
import { tinyOnnx } from './testing/tiny-model.ts';

const home = mkdtempSync(join(tmpdir(), 'dfp-track-cli-'));
const cfg = (overrides: string[] = [], env: Record<string, string> = {}) => loadConfig({ overrides, env: { DFP_HOME: home, ...env } }).config;

test('dfp runs / dfp models on the embedded store', async () => {
  const t = await openTracking(cfg(), { env: {} });
  assert.equal(t.kind, 'embedded');
  const run = await t.createRun({ experiment: 'dfp', runName: 'cli' });
  await t.logBatch(run.runId, { params: { lr: 0.001 }, metrics: [{ key: 'test_f1', value: 0.91, step: 0, timestamp: Date.now() }] });
  await t.logInputs(run.runId, [{ name: 'training_apps', digest: 'a'.repeat(64), commit: 'b'.repeat(64), table: 'training_apps', context: 'train' }]);
  const logged = await logModel(t, run.runId, { onnx: tinyOnnx() });
  await t.endRun(run.runId);
  await registerModel(t, 'det', logged.modelUri);
  await t.close();
  const env = { DFP_HOME: home };

  const list = runDfp(['runs', 'list', '--json'], env);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual((JSON.parse(list.stdout) as { runs: { info: { runId: string } }[] }).runs.map((r) => r.info.runId), [run.runId]);
  const show = runDfp(['runs', 'show', run.runId], env);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /train: training_apps @ bbbbbbbbbbbb digest aaaaaaaaaaaa/);
  assert.match(show.stdout, /model\//);

  const promote = runDfp(['models', 'promote', 'det', '1', '--alias', 'production', '--stage', 'Production', '--json'], env);
  assert.equal(promote.code, 0, promote.stderr);
  assert.equal(JSON.parse(promote.stdout).version.stage, 'Production');
  const models = JSON.parse(runDfp(['models', 'list', '--json'], env).stdout) as { models: { name: string; aliases: Record<string, string> }[] };
  assert.deepEqual(models.models.map((m) => [m.name, m.aliases]), [['det', { production: '1' }]]);
  const detail = runDfp(['models', 'show', 'det'], env);
  assert.match(detail.stdout, /production→1/);

  const missing = runDfp(['models', 'show', 'nope', '--json'], env);
  assert.equal(missing.code, 1);
  assert.equal(JSON.parse(missing.stdout).error.code, 'NOT_FOUND');
  assert.match(runDfp(['runs', 'sync'], env).stdout, /nothing to sync/);
  assert.equal(runDfp(['models', 'promote', 'det', 'one'], env).code, 2);
  assert.match(runDfp(['runs', '--help'], env).stdout, /sync/);
});

test('the backend follows tracking.uri, then MLFLOW_TRACKING_URI', async () => {
  const a = await openTracking(cfg(), { env: { MLFLOW_TRACKING_URI: 'http://127.0.0.1:1' } });
  assert.equal(a.kind, 'mlflow');
  assert.equal(a.location, 'http://127.0.0.1:1');
  await a.close();
  const b = await openTracking(cfg(['tracking.uri=http://mlflow.internal:5000/']), { env: { MLFLOW_TRACKING_URI: 'http://127.0.0.1:1' } });
  assert.equal(b.location, 'http://mlflow.internal:5000');
  await b.close();
  await assert.rejects(openTracking(cfg(['tracking.uri=databricks']), { env: {} }), (e: unknown) => e instanceof DfpError && e.code === 'CONFIG_INVALID');
});
