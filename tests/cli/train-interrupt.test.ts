// Runs end honestly: SIGTERM/SIGINT during `dfp train` end the tracked run KILLED (exit 143/130) with the checkpoint
// kept and a resume hint that works; a run whose process was SIGKILLed is marked FAILED by the next `dfp runs list`
// and `dfp run`. Each test waits for a checkpoint file to appear before it signals, never for a guessed time.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { loadConfig } from '../../src/core/config/load.ts';
import { openTracking } from '../../src/tracking/index.ts';
import { DFP_BIN, runDfp } from '../support/cli.ts';
import { trainableWorkspace } from '../support/trainable-workspace.ts';
import { until } from '../../src/testing/until.ts';

/** Long enough that only a signal ends it. */
const FOREVER = ['train.epochs=1000000', 'train.patience=1000000'];
const SMALL = ['model.classifier.kind=mlp', 'model.autoencoder.hidden=[8]', 'model.autoencoder.latent=4', 'model.classifier.hidden=[8]'];

interface Training {
  child: ChildProcess;
  /** Runs that were there before this training started, which the wait for its checkpoint skips. */
  before: Set<string>;
  exited: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
}

function startTraining(ctx: TestContext, home: string, args: string[]): Training {
  const runs = join(home, 'runs');
  const before = new Set(existsSync(runs) ? readdirSync(runs) : []);
  const child = spawn(process.execPath, [DFP_BIN, 'train', ...args], { env: { ...process.env, DFP_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  // A failed assertion must not leave a training running forever (and the test file waiting on it).
  ctx.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, before, exited, stdout: () => out, stderr: () => err };
}

/** The run directory and epoch of the first checkpoint under `sub` (e.g. checkpoint/fold-0/member-0) at epoch ≥ 1. */
async function checkpointed(home: string, t: Training, sub = 'checkpoint'): Promise<{ runId: string; dir: string; epoch: number }> {
  return until(`a checkpoint at epoch >= 1 under ${home}/runs/*/${sub}`, () => {
    if (t.child.exitCode !== null) throw new Error(`dfp train exited ${t.child.exitCode} before its first checkpoint: ${t.stderr()}`);
    const runs = join(home, 'runs');
    for (const runId of (existsSync(runs) ? readdirSync(runs) : []).filter((r) => !t.before.has(r))) {
      const dir = join(runs, runId, sub);
      try {
        const epoch = (JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as { epoch: number }).epoch;
        if (epoch >= 1) return { runId, dir, epoch };
      } catch {
        // not written yet (it is renamed into place whole, so a read sees all of it or nothing)
      }
    }
    return undefined;
  }, { timeoutMs: 300_000 });
}

function runsList(home: string): { runs: { info: { runId: string; status: string }; tags: Record<string, string> }[] } {
  const r = runDfp(['runs', 'list', '--json'], { DFP_HOME: home });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ReturnType<typeof runsList>;
}

test('SIGTERM during dfp train: run KILLED, exit 143, checkpoint kept, and --resume continues it', async (ctx) => {
  const home = trainableWorkspace();
  const t = startTraining(ctx, home, [...FOREVER, ...SMALL, '--json']);
  const ck = await checkpointed(home, t);
  t.child.kill('SIGTERM');
  assert.equal(await t.exited, 143, t.stderr());

  const doc = JSON.parse(t.stdout()) as { error: { code: string; message: string; details: Record<string, unknown> } };
  assert.equal(doc.error.code, 'INTERRUPTED');
  assert.equal(doc.error.details.run_id, ck.runId);
  assert.equal(t.stderr().trim().split('\n').length, 1, t.stderr());
  assert.match(t.stderr(), new RegExp(`interrupted by SIGTERM: run ${ck.runId} is marked KILLED .*kept in ${ck.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*dfp train --resume ${ck.runId}`));
  const killed = runsList(home).runs.find((r) => r.info.runId === ck.runId)!;
  assert.equal(killed.info.status, 'KILLED');
  assert.equal(killed.tags['dfp.end_reason'], 'interrupted by SIGTERM');
  assert.ok(existsSync(join(ck.dir, 'checkpoint.bin')) && existsSync(join(ck.dir, 'checkpoint.json')), 'the checkpoint is kept');
  const kept = (JSON.parse(readFileSync(join(ck.dir, 'checkpoint.json'), 'utf8')) as { epoch: number }).epoch;

  // Other settings than the interrupted run's are refused, naming the key and its value then.
  const other = runDfp(['train', '--resume', ck.runId, 'train.epochs=3', 'model.autoencoder.hidden=[16]', 'model.autoencoder.latent=4', '--json'], { DFP_HOME: home });
  assert.equal(other.code, 2, other.stderr);
  assert.match(other.stderr, /model\.autoencoder\.hidden was \[8\] \(now \[16\]\).*model\.autoencoder\.hidden=\[8\]/);

  // Resumed: a new run starts after the checkpointed epoch and reports the whole history.
  const epochs = kept + 2;
  const resumed = runDfp(['train', '--resume', ck.runId, `train.epochs=${epochs}`, 'train.patience=1000000', ...SMALL, '--json'], { DFP_HOME: home });
  assert.equal(resumed.code, 0, resumed.stderr);
  const r = JSON.parse(resumed.stdout) as { run_id: string; training: { epochs_run: number } };
  assert.equal(r.training.epochs_run, epochs);
  const runs = runsList(home).runs;
  const next = runs.find((x) => x.info.runId === r.run_id)!;
  assert.equal(next.info.status, 'FINISHED');
  assert.equal(next.tags['dfp.resumed_from'], ck.runId);
  const t2 = await openTracking(loadConfig({ env: { DFP_HOME: home } }).config, { env: {} });
  try {
    const steps = (await t2.getMetricHistory(r.run_id, 'val_loss')).map((m) => m.step);
    assert.deepEqual(steps, Array.from({ length: epochs - kept }, (_, i) => kept + 1 + i), 'the resumed run trains only the epochs after the checkpoint');
  } finally {
    await t2.close();
  }
  assert.ok(!existsSync(ck.dir), 'the superseded checkpoint is removed once the resumed run finished');
  const again = runDfp(['train', '--resume', r.run_id, '--json'], { DFP_HOME: home });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /finished; there is nothing to resume/);
});

test('SIGINT during a cross-fitted classifier: exit 130, run KILLED; --resume finishes every member', async (ctx) => {
  const home = trainableWorkspace();
  const t = startTraining(ctx, home, ['model=classifier', ...FOREVER, ...SMALL]);
  const ck = await checkpointed(home, t, join('checkpoint', 'fold-0', 'member-0'));
  t.child.kill('SIGINT');
  assert.equal(await t.exited, 130, t.stderr());
  assert.match(t.stderr(), new RegExp(`interrupted by SIGINT: run ${ck.runId} is marked KILLED.*checkpoints are kept in .*dfp train --resume ${ck.runId}`));
  assert.equal(runsList(home).runs.find((r) => r.info.runId === ck.runId)?.info.status, 'KILLED');

  const resumed = runDfp(['train', '--resume', ck.runId, 'model=classifier', `train.epochs=${ck.epoch + 1}`, ...SMALL, '--json'], { DFP_HOME: home });
  assert.equal(resumed.code, 0, resumed.stderr);
  const r = JSON.parse(resumed.stdout) as { training: { members: number; calibration: string } };
  assert.deepEqual([r.training.members, r.training.calibration], [5, 'crossfit']);
});

test('a SIGKILLed dfp train leaves a RUNNING run that `dfp runs list` and `dfp run` mark FAILED', async (ctx) => {
  const home = trainableWorkspace();
  const t = startTraining(ctx, home, [...FOREVER, ...SMALL]);
  const ck = await checkpointed(home, t);
  const pid = t.child.pid!;
  assert.equal(runsList(home).runs.find((r) => r.info.runId === ck.runId)?.info.status, 'RUNNING', 'a live run is left alone');
  t.child.kill('SIGKILL');
  assert.equal(await t.exited, null);

  const list = runDfp(['runs', 'list', '--json'], { DFP_HOME: home });
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stderr, new RegExp(`stale run ${ck.runId} .*marked FAILED: it was RUNNING, but its process ${pid} on .* is gone`));
  const failed = (JSON.parse(list.stdout) as ReturnType<typeof runsList>).runs.find((r) => r.info.runId === ck.runId)!;
  assert.equal(failed.info.status, 'FAILED');
  assert.match(failed.tags['dfp.end_reason'] ?? '', new RegExp(`process ${pid} on .* ended without ending the run`));
  // A FAILED run keeps its checkpoint and can be resumed like a KILLED one.
  assert.ok(existsSync(join(ck.dir, 'checkpoint.bin')));

  // `dfp run` does the same before its first step: a run whose owner (a process that has exited) is gone.
  const t2 = await openTracking(loadConfig({ env: { DFP_HOME: home } }).config, { env: {} });
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  const stale = await t2.createRun({ experiment: 'dfp', runName: 'crashed', tags: { 'dfp.owner.pid': String(dead) } });
  await t2.close();
  const run = runDfp(['run', '--source', join(home, 'no-such-file.csv')], { DFP_HOME: home });
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, new RegExp(`stale run ${stale.runId} \\(crashed\\) marked FAILED`));
  assert.equal(runsList(home).runs.find((r) => r.info.runId === stale.runId)?.info.status, 'FAILED');
});
