// Against a real `mlflow server`: the shared contract suite, MLflow's Python client reading back what dfp
// logged (scores equal to onnxruntime-node's), and the offline outbox (server killed mid-run, then `dfp runs sync`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { loadConfig } from '../../../src/core/config/load.ts';
import { DfpError } from '../../../src/core/errors.ts';
import type { Tracking } from '../../../src/core/tracking/index.ts';
import { openSession, tensor } from '../../../src/engine/onnxruntime/index.ts';
import { LOCAL_ID_TAG, logModel, MlflowStore, openTracking, promote, registerModel } from '../../../src/tracking/index.ts';
import { trackingContract } from '../../../src/tracking/testing/contract.ts';
import { TINY_FEATURES, TINY_ROWS, tinyOnnx } from '../../../src/tracking/testing/tiny-model.ts';
import { runDfp } from '../../support/cli.ts';
import { freePort } from '../../../src/testing/free-port.ts';
import { MlflowServer, mlflowMissing } from './server.ts';

const missing = mlflowMissing();
const root = mkdtempSync(join(tmpdir(), 'dfp-mlflow-'));

async function open(workspace: string, url: string, warnings: string[]): Promise<Tracking> {
  const { config } = loadConfig({ overrides: [`tracking.uri=${url}`], env: { DFP_HOME: workspace } });
  return openTracking(config, { env: {}, warn: (m) => warnings.push(m) });
}

async function rest<R>(url: string, endpoint: string, query: Record<string, string>): Promise<R> {
  const r = await fetch(`${url}/api/2.0/${endpoint}?${new URLSearchParams(query)}`);
  assert.ok(r.ok, `${endpoint}: HTTP ${r.status} ${await r.clone().text()}`);
  return (await r.json()) as R;
}

if (missing) {
  process.stderr.write(`\n  SKIPPING MLflow interop tests: ${missing}\n\n`);
  test('MLflow interop (skipped: mlflow not installed)', { skip: missing }, () => {});
} else {
  const server = new MlflowServer(join(root, 'server'), await freePort());
  const warnings: string[] = [];
  let t: Tracking;
  before(async () => {
    await server.start();
    t = await open(join(root, 'ws'), server.url, warnings);
  });
  after(async () => {
    await t?.close();
    await server.stop();
  });

  trackingContract('mlflow', () => t);

  test('mlflow: server errors become DfpErrors that say what failed', async () => {
    const remote = new MlflowStore({ url: server.url });
    await assert.rejects(remote.getRegisteredModel('no-such-model'), (e: unknown) => {
      assert.ok(e instanceof DfpError);
      assert.equal(e.code, 'NOT_FOUND');
      assert.match(e.message, /^MLflow: RESOURCE_DOES_NOT_EXIST: registered model 'no-such-model' not found/);
      return true;
    });
    const dead = new MlflowStore({ url: `http://127.0.0.1:${await freePort()}`, timeoutMs: 2000 });
    await assert.rejects(dead.listExperiments(), /MLflow at http:\/\/127\.0\.0\.1:\d+ unreachable while listing experiments/);
    assert.deepEqual(warnings, []);
  });

  test("mlflow: MLflow's Python client reads the run, inputs and alias back and scores like onnxruntime-node", async () => {
    const name = `kronodroid-tiny-${Date.now()}`;
    const run = await t.createRun({ experiment: 'interop', runName: 'tiny-mlp' });
    await t.logBatch(run.runId, {
      params: { hidden: 3, lr: 0.001 },
      metrics: [0, 1, 2].map((step) => ({ key: 'val_loss', value: 0.5 - step * 0.1, step, timestamp: 1_700_000_000_000 + step })),
    });
    await t.logInputs(run.runId, [{ name: 'training_apps', digest: 'c'.repeat(64), commit: 'd'.repeat(64), table: 'training_apps', context: 'train', rows: 400 }]);
    const logged = await logModel(t, run.runId, { onnx: tinyOnnx(), preprocessing: { features: ['f0', 'f1', 'f2', 'f3'] } });
    await t.endRun(run.runId);
    const v = await registerModel(t, name, logged.modelUri, { description: 'interop' });
    const cli = runDfp(['models', 'promote', name, v.version, '--alias', 'production', '--json'], { DFP_HOME: join(root, 'ws'), DFP_TRACKING__URI: server.url });
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(JSON.parse(cli.stdout).version.version, v.version);
    await promote(t, name, v.version, 'candidate');

    const py = spawnSync(process.env.PYTHON ?? 'python3', [join(import.meta.dirname, 'check_model.py')], {
      input: JSON.stringify({ tracking_uri: server.url, run_id: run.runId, name, alias: 'production', rows: TINY_ROWS }),
      encoding: 'utf8',
      timeout: 180000,
    });
    assert.equal(py.status, 0, py.stderr);
    const got = JSON.parse(py.stdout) as {
      status: string;
      params: Record<string, string>;
      history: Record<string, [number, number][]>;
      inputs: { name: string; digest: string; source: { commit: string; table: string; digest: string }; tags: Record<string, string> }[];
      version: { version: string; run_id: string; aliases: string[] };
      loader_module: string;
      signature_inputs: { type: string; 'tensor-spec': { dtype: string; shape: number[] } }[];
      scores: number[];
    };
    assert.equal(got.status, 'FINISHED');
    assert.deepEqual(got.params, { hidden: '3', lr: '0.001' });
    assert.deepEqual(got.history.val_loss!.map(([s]) => s), [0, 1, 2]);
    // MLflow caps the digest field at 36 characters; the full sha256 is in the source JSON
    assert.deepEqual(got.inputs.map((d) => [d.name, d.digest, d.source.digest, d.source.commit, d.source.table, d.tags['mlflow.data.context']]), [
      ['training_apps', 'c'.repeat(36), 'c'.repeat(64), 'd'.repeat(64), 'training_apps', 'train'],
    ]);
    assert.equal(got.version.version, v.version);
    assert.equal(got.version.run_id, run.runId);
    assert.deepEqual(got.version.aliases.sort(), ['candidate', 'production']);
    assert.equal(got.loader_module, 'mlflow.onnx');
    assert.deepEqual(got.signature_inputs[0]!['tensor-spec'], { dtype: 'float32', shape: [-1, TINY_FEATURES] });

    const session = await openSession(tinyOnnx());
    const out = await session.run({ x: tensor(Float32Array.from(TINY_ROWS.flat()), [TINY_ROWS.length, TINY_FEATURES]) });
    const ours = Array.from(out.y!.data as Float32Array);
    assert.equal(got.scores.length, ours.length);
    got.scores.forEach((s, i) => assert.ok(Math.abs(s - ours[i]!) <= 1e-5, `row ${i}: python ${s} vs dfp ${ours[i]}`));
  });

  test('mlflow: a run survives the server dying mid-run and `dfp runs sync` pushes it exactly once', async () => {
    const ws = join(root, 'ws-outbox');
    const notes: string[] = [];
    const t2 = await open(ws, server.url, notes);
    const run = await t2.createRun({ experiment: 'outbox', runName: 'survives' });
    await t2.logBatch(run.runId, { params: { a: 1 }, metrics: [0, 1, 2, 3, 4].map((s) => ({ key: 'loss', value: 10 - s, step: s, timestamp: 1_700_000_000_000 + s })) });

    await server.stop('SIGKILL');
    await t2.logBatch(run.runId, { params: { b: 2 }, metrics: [5, 6, 7, 8, 9].map((s) => ({ key: 'loss', value: 10 - s, step: s, timestamp: 1_700_000_000_000 + s })) });
    await t2.logInputs(run.runId, [{ name: 'training_apps', digest: 'e'.repeat(64), commit: 'f'.repeat(64), table: 'training_apps', context: 'train' }]);
    await logModel(t2, run.runId, { onnx: tinyOnnx() });
    await t2.endRun(run.runId);
    const offline = await t2.createRun({ experiment: 'outbox', runName: 'born-offline' });
    await t2.logBatch(offline.runId, { metrics: [{ key: 'loss', value: 1, step: 0, timestamp: 1_700_000_000_000 }] });
    await t2.endRun(offline.runId);
    assert.equal(notes.length, 2, notes.join('\n'));
    assert.match(notes[0]!, /^MLflow at http:\/\/127\.0\.0\.1:\d+ unreachable; run kept locally as [0-9a-f]{32} in .*tracking\.sqlite; push it later with `dfp runs sync`$/);
    assert.equal(await t2.pendingRuns(), 2);
    await t2.close();

    await server.start();
    const env = { DFP_HOME: ws, DFP_TRACKING__URI: server.url };
    const first = runDfp(['runs', 'sync', '--json'], env);
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout) as { pushed: { localId: string; remoteId: string }[]; pending: number };
    assert.equal(report.pushed.length, 2);
    assert.equal(report.pending, 0);

    // A retry after lost acknowledgements: forget every "pushed" mark and sync again; nothing may double.
    const db = new Database(join(ws, 'tracking', 'tracking.sqlite'));
    db.exec('UPDATE runs SET metrics_pushed = 0, status_pushed = 0; UPDATE params SET pushed = 0; UPDATE tags SET pushed = 0; UPDATE inputs SET pushed = 0; UPDATE artifacts SET pushed = 0;');
    db.close();
    assert.equal(runDfp(['runs', 'sync', '--json'], env).code, 0);
    const third = runDfp(['runs', 'sync', '--json'], env);
    assert.deepEqual(JSON.parse(third.stdout).pushed, []);

    const got = await rest<{ run: { info: { status: string }; data: { params: { key: string; value: string }[] }; inputs: { dataset_inputs?: unknown[] } } }>(server.url, 'mlflow/runs/get', { run_id: run.runId });
    assert.equal(got.run.info.status, 'FINISHED');
    assert.deepEqual(Object.fromEntries(got.run.data.params.map((p) => [p.key, p.value])), { a: '1', b: '2' });
    assert.equal(got.run.inputs.dataset_inputs?.length, 1);
    const hist = await rest<{ metrics: { step: number }[] }>(server.url, 'mlflow/metrics/get-history', { run_id: run.runId, metric_key: 'loss' });
    assert.deepEqual(hist.metrics.map((m) => m.step).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const exp = await rest<{ experiment: { experiment_id: string } }>(server.url, 'mlflow/experiments/get-by-name', { experiment_name: 'outbox' });
    const files = await rest<{ files: { path: string }[] }>(server.url, 'mlflow-artifacts/artifacts', { path: `${exp.experiment.experiment_id}/${run.runId}/artifacts/model` });
    assert.deepEqual(files.files.map((f) => f.path).sort(), ['MLmodel', 'model.onnx', 'python_env.yaml', 'requirements.txt']);
    const bornOffline = report.pushed.find((p) => p.localId === offline.runId)!;
    const search = await fetch(`${server.url}/api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ experiment_ids: [exp.experiment.experiment_id], filter: `tags.\`${LOCAL_ID_TAG}\` = '${offline.runId}'` }),
    });
    const found = (await search.json()) as { runs: { info: { run_id: string; status: string } }[] };
    assert.deepEqual(found.runs.map((r) => [r.info.run_id, r.info.status]), [[bornOffline.remoteId, 'FINISHED']]);
    const listed = runDfp(['runs', 'list', '--experiment', 'outbox', '--json'], env);
    assert.deepEqual((JSON.parse(listed.stdout) as { runs: { info: { runId: string } }[] }).runs.map((r) => r.info.runId).sort(), [run.runId, bornOffline.remoteId].sort());
  });
}
