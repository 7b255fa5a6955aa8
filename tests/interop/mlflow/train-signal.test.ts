// Runs end honestly on a real `mlflow server` too: SIGTERM during `dfp train` leaves the MLflow run KILLED (the
// server's own record, read over REST), and a SIGKILLed training's run is ended FAILED there by the next
// `dfp runs list`. Waits for a checkpoint file before signalling, never for a guessed time.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, after, before, test } from 'node:test';
import { DFP_BIN, runDfp } from '../../support/cli.ts';
import { freePort } from '../../../src/testing/free-port.ts';
import { trainableWorkspace } from '../../support/trainable-workspace.ts';
import { until } from '../../../src/testing/until.ts';
import { MlflowServer, mlflowMissing } from './server.ts';

const missing = mlflowMissing();
const ARGS = ['train.epochs=1000000', 'train.patience=1000000', 'model.autoencoder.hidden=[8]', 'model.autoencoder.latent=4', '--json'];

interface Training {
  child: ChildProcess;
  /** Runs that were there before this training started, which the wait for its checkpoint skips. */
  before: Set<string>;
  exited: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
}

function startTraining(ctx: TestContext, env: Record<string, string>): Training {
  const runs = join(env.DFP_HOME!, 'runs');
  const before = new Set(existsSync(runs) ? readdirSync(runs) : []);
  const child = spawn(process.execPath, [DFP_BIN, 'train', ...ARGS], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  ctx.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, before, exited: new Promise((ok) => child.once('exit', (code) => ok(code))), stdout: () => out, stderr: () => err };
}

/** The id the run directory is named by, once its checkpoint reached epoch 1. */
async function checkpointed(home: string, t: Training): Promise<string> {
  return until(`a checkpoint at epoch >= 1 in ${home}/runs`, () => {
    if (t.child.exitCode !== null) throw new Error(`dfp train exited ${t.child.exitCode}: ${t.stderr()}`);
    const runs = join(home, 'runs');
    for (const id of (existsSync(runs) ? readdirSync(runs) : []).filter((r) => !t.before.has(r))) {
      try {
        if ((JSON.parse(readFileSync(join(runs, id, 'checkpoint', 'checkpoint.json'), 'utf8')) as { epoch: number }).epoch >= 1) return id;
      } catch {
        // not there yet
      }
    }
    return undefined;
  }, { timeoutMs: 300_000 });
}

if (missing) {
  process.stderr.write(`\n  SKIPPING MLflow train-signal tests: ${missing}\n\n`);
  test('MLflow train signals (skipped: mlflow not installed)', { skip: missing }, () => {});
} else {
  const home = trainableWorkspace();
  const server = new MlflowServer(join(home, 'mlflow-server'), await freePort());
  before(() => server.start());
  after(() => server.stop());

  async function status(runId: string): Promise<{ status: string; tags: Record<string, string> }> {
    // A pooled keep-alive connection the server has just closed fails once ("other side closed"): ask again.
    const r = await until(`MLflow to answer runs/get ${runId}`, () => fetch(`${server.url}/api/2.0/mlflow/runs/get?run_id=${runId}`).catch(() => undefined));
    assert.ok(r.ok, `runs/get ${runId}: HTTP ${r.status}`);
    const doc = (await r.json()) as { run: { info: { status: string }; data: { tags?: { key: string; value: string }[] } } };
    return { status: doc.run.info.status, tags: Object.fromEntries((doc.run.data.tags ?? []).map((x) => [x.key, x.value])) };
  }

  test('mlflow: SIGTERM during dfp train leaves the server’s run KILLED', async (ctx) => {
    const env = { DFP_HOME: home, DFP_TRACKING__URI: server.url };
    const t = startTraining(ctx, env);
    const runId = await checkpointed(home, t);
    t.child.kill('SIGTERM');
    assert.equal(await t.exited, 143, t.stderr());
    const doc = JSON.parse(t.stdout()) as { error: { code: string; details: { run_id: string } } };
    assert.deepEqual([doc.error.code, doc.error.details.run_id], ['INTERRUPTED', runId]);
    const got = await status(runId);
    assert.equal(got.status, 'KILLED');
    assert.equal(got.tags['dfp.end_reason'], 'interrupted by SIGTERM');
    assert.equal(got.tags['dfp.owner.pid'], String(t.child.pid));
  });

  test('mlflow: a SIGKILLed training’s run is ended FAILED on the server by `dfp runs list`', async (ctx) => {
    const env = { DFP_HOME: home, DFP_TRACKING__URI: server.url };
    const t = startTraining(ctx, env);
    const runId = await checkpointed(home, t);
    assert.equal((await status(runId)).status, 'RUNNING');
    t.child.kill('SIGKILL');
    await t.exited;
    const list = runDfp(['runs', 'list', '--json'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stderr, new RegExp(`stale run ${runId} .*marked FAILED`));
    assert.equal((await status(runId)).status, 'FAILED');
    const listed = (JSON.parse(list.stdout) as { runs: { info: { runId: string; status: string } }[] }).runs.find((r) => r.info.runId === runId);
    assert.equal(listed?.info.status, 'FAILED');
  });
}
