// The one contract suite every tracking backend passes (embedded SQLite, a real MLflow server through the outbox).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DfpError } from '../../core/errors.ts';
import { championChallenger, promote, registerModel, resolveModelUri } from '../../core/tracking/index.ts';
import type { Tracking } from '../../core/tracking/index.ts';
import { fetchModel, logModel } from '../log-model.ts';
import { OWNER_TAGS } from '../owner.ts';
import { END_REASON_TAG, failStaleRuns } from '../stale.ts';
import { tinyOnnx } from './tiny-model.ts';

const uniq = () => Math.random().toString(36).slice(2, 8);

async function rejectsWith(p: Promise<unknown>, code: string, text: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof DfpError, `expected a DfpError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, text);
    return true;
  });
}

/** Registers the contract tests; `get` returns the (shared, already open) backend. */
export function trackingContract(label: string, get: () => Tracking): void {
  test(`${label}: experiments are created once and found by name`, async () => {
    const t = get();
    const name = `exp-${uniq()}`;
    const a = await t.getOrCreateExperiment(name);
    const b = await t.getOrCreateExperiment(name);
    assert.equal(a.id, b.id);
    assert.ok((await t.listExperiments()).some((e) => e.name === name));
  });

  test(`${label}: a run keeps params, metrics with step and time, tags, inputs, status and times`, async () => {
    const t = get();
    const experiment = `exp-${uniq()}`;
    const run = await t.createRun({ experiment, runName: 'contract', tags: { team: 'dfp' }, startTime: 1_700_000_000_000 });
    assert.equal(run.status, 'RUNNING');
    await t.logBatch(run.runId, {
      params: { lr: 0.01, layers: '[4,3,1]', autoencoder: true },
      metrics: [0, 1, 2].map((step) => ({ key: 'loss', value: 1 / (step + 1), step, timestamp: 1_700_000_000_100 + step })),
      tags: { stage: 'train' },
    });
    await t.logBatch(run.runId, { params: { lr: 0.01 }, tags: { stage: 'eval' } }); // same param again is fine; tags overwrite
    await rejectsWith(t.logBatch(run.runId, { params: { lr: 0.02 } }), 'CONFLICT', /param 'lr'/);
    const input = { name: 'features', digest: 'a'.repeat(64), commit: 'b'.repeat(64), table: 'features', lake: '/lake', context: 'train', rows: 120 };
    await t.logInputs(run.runId, [input]);
    await t.logInputs(run.runId, [input]); // idempotent
    await t.endRun(run.runId, 'FINISHED', 1_700_000_009_000);

    const got = await t.getRun(run.runId);
    assert.equal(got.info.status, 'FINISHED');
    assert.equal(got.info.startTime, 1_700_000_000_000);
    assert.equal(got.info.endTime, 1_700_000_009_000);
    assert.equal(got.info.runName, 'contract');
    assert.deepEqual(got.params, { autoencoder: 'true', layers: '[4,3,1]', lr: '0.01' });
    assert.equal(got.tags.team, 'dfp');
    assert.equal(got.tags.stage, 'eval');
    assert.equal(got.metrics.loss, 1 / 3);
    assert.deepEqual(got.inputs, [input]);
    const hist = await t.getMetricHistory(run.runId, 'loss');
    assert.deepEqual(hist.map((m) => [m.step, m.value, m.timestamp]), [0, 1, 2].map((s) => [s, 1 / (s + 1), 1_700_000_000_100 + s]));
  });

  test(`${label}: big batches are split within the server's limits and arrive once`, async () => {
    const t = get();
    const run = await t.createRun({ experiment: `exp-${uniq()}` });
    const metrics = Array.from({ length: 2100 }, (_, i) => ({ key: i % 2 ? 'a' : 'b', value: i, step: i, timestamp: 1_700_000_000_000 + i }));
    const params = Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`p${i}`, i]));
    const tags = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`t${i}`, String(i)]));
    await t.logBatch(run.runId, { metrics, params, tags });
    await t.endRun(run.runId);
    const got = await t.getRun(run.runId);
    assert.equal(Object.keys(got.params).length, 130);
    assert.equal(Object.keys(got.tags).filter((k) => /^t\d+$/.test(k)).length, 120);
    assert.equal((await t.getMetricHistory(run.runId, 'a')).length, 1050);
    assert.equal((await t.getMetricHistory(run.runId, 'b')).length, 1050);
  });

  test(`${label}: artifacts go up as files and directories and come back byte for byte`, async () => {
    const t = get();
    const run = await t.createRun({ experiment: `exp-${uniq()}` });
    const dir = mkdtempSync(join(tmpdir(), 'dfp-art-'));
    mkdirSync(join(dir, 'plots'));
    writeFileSync(join(dir, 'report.json'), '{"f1":0.9}');
    writeFileSync(join(dir, 'plots', 'roc.svg'), '<svg/>');
    await t.logArtifacts(run.runId, dir, 'eval');
    await t.logArtifacts(run.runId, join(dir, 'report.json'));
    assert.deepEqual((await t.listArtifacts(run.runId)).map((a) => [a.path, a.isDir]), [['eval', true], ['report.json', false]]);
    assert.deepEqual((await t.listArtifacts(run.runId, 'eval')).map((a) => a.path), ['eval/plots', 'eval/report.json']);
    const out = mkdtempSync(join(tmpdir(), 'dfp-dl-'));
    const local = await t.downloadArtifacts(run.runId, 'eval', out);
    assert.equal(readFileSync(join(local, 'plots', 'roc.svg'), 'utf8'), '<svg/>');
    assert.equal(readFileSync(await t.downloadArtifacts(run.runId, 'report.json', out), 'utf8'), '{"f1":0.9}');
    await t.endRun(run.runId);
  });

  test(`${label}: runs are searched per experiment, newest first`, async () => {
    const t = get();
    const experiment = `exp-${uniq()}`;
    const a = await t.createRun({ experiment, startTime: 1_000 });
    const b = await t.createRun({ experiment, startTime: 2_000 });
    await t.createRun({ experiment: `other-${uniq()}` });
    const runs = await t.searchRuns({ experiment });
    assert.deepEqual(runs.map((r) => r.info.runId), [b.runId, a.runId]);
    assert.equal((await t.searchRuns({ experiment, maxResults: 1 })).length, 1);
    await t.endRun(a.runId);
    await t.endRun(b.runId);
  });

  test(`${label}: a run records its owner process; a RUNNING run whose owner is gone is ended FAILED, others are left`, async () => {
    const t = get();
    const experiment = `exp-${uniq()}`;
    const live = await t.createRun({ experiment });
    assert.equal((await t.getRun(live.runId)).tags[OWNER_TAGS.pid], String(process.pid));
    assert.equal((await t.getRun(live.runId)).tags[OWNER_TAGS.host], hostname());
    // A process that has exited, and a host this machine cannot see.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const crashed = await t.createRun({ experiment, tags: { [OWNER_TAGS.pid]: String(dead) } });
    const elsewhere = await t.createRun({ experiment, tags: { [OWNER_TAGS.host]: 'elsewhere.invalid', [OWNER_TAGS.pid]: String(dead) } });
    const done = await t.createRun({ experiment, tags: { [OWNER_TAGS.pid]: String(dead) } });
    await t.endRun(done.runId, 'FINISHED');
    assert.deepEqual((await t.searchRuns({ experiment, status: 'RUNNING' })).map((r) => r.info.runId).sort(), [live.runId, crashed.runId, elsewhere.runId].sort());

    const failed = await failStaleRuns(t);
    assert.ok(failed.some((f) => f.runId === crashed.runId && f.pid === String(dead)));
    assert.ok(!failed.some((f) => [live.runId, elsewhere.runId, done.runId].includes(f.runId)));
    const status = async (id: string) => (await t.getRun(id)).info.status;
    assert.deepEqual([await status(crashed.runId), await status(live.runId), await status(elsewhere.runId), await status(done.runId)], ['FAILED', 'RUNNING', 'RUNNING', 'FINISHED']);
    assert.match((await t.getRun(crashed.runId)).tags[END_REASON_TAG] ?? '', new RegExp(`process ${dead} on .* ended without ending the run`));
    assert.deepEqual(await failStaleRuns(t).then((f) => f.filter((x) => x.runId === crashed.runId)), [], 'ending it again does nothing');
    await t.endRun(live.runId, 'KILLED');
    assert.equal(await status(live.runId), 'KILLED');
    await t.endRun(elsewhere.runId);
  });

  test(`${label}: a logged model is a valid MLflow model and every model URI form resolves to it`, async () => {
    const t = get();
    const name = `model-${uniq()}`;
    const run = await t.createRun({ experiment: `exp-${uniq()}` });
    await t.logBatch(run.runId, { metrics: [{ key: 'test_f1', value: 0.8, step: 0, timestamp: Date.now() }] });
    const logged = await logModel(t, run.runId, { onnx: tinyOnnx(), preprocessing: { features: ['a', 'b', 'c', 'd'] } });
    await t.endRun(run.runId);
    assert.ok(logged.files.includes('MLmodel') && logged.files.includes('model.onnx') && logged.files.includes('preprocessing.json'));
    const v1 = await registerModel(t, name, logged.modelUri, { description: 'first', tags: { k: 'v' } });
    assert.equal(v1.version, '1');
    assert.equal(v1.description, 'first');
    assert.equal(v1.tags.k, 'v');
    await promote(t, name, '1', 'production');
    await t.transitionStage(name, '1', 'Production');
    for (const uri of [logged.modelUri, `models:/${name}/1`, `models:/${name}@production`, `models:/${name}/Production`, `models:/${name}/latest`]) {
      const r = await resolveModelUri(t, async (id) => (await t.getRun(id)).info.artifactUri, uri);
      assert.equal(r.artifactPath, 'model', uri);
      assert.equal((await t.getRun(r.runId)).info.runId, (await t.getRun(run.runId)).info.runId, uri);
    }
    const fetched = await fetchModel(t, `models:/${name}@production`, mkdtempSync(join(tmpdir(), 'dfp-fetch-')));
    assert.ok(readFileSync(fetched.onnxPath).equals(Buffer.from(tinyOnnx())), 'the ONNX file comes back unchanged');
    const flavors = fetched.mlmodel.flavors as Record<string, Record<string, unknown>>;
    assert.equal(flavors.python_function!.loader_module, 'mlflow.onnx');
    assert.equal(flavors.onnx!.data, 'model.onnx');
    assert.ok(existsSync(join(fetched.dir, 'preprocessing.json')));
  });

  test(`${label}: versions, aliases and stages`, async () => {
    const t = get();
    const name = `model-${uniq()}`;
    const run = await t.createRun({ experiment: `exp-${uniq()}` });
    await logModel(t, run.runId, { onnx: tinyOnnx() });
    await t.endRun(run.runId);
    const m = await t.ensureRegisteredModel(name, { description: 'kronodroid detector' });
    assert.equal((await t.ensureRegisteredModel(name)).name, m.name);
    const v1 = await registerModel(t, name, `runs:/${run.runId}/model`);
    const v2 = await registerModel(t, name, `runs:/${run.runId}/model`);
    assert.deepEqual([v1.version, v2.version], ['1', '2']);
    await t.setAlias(name, 'candidate', '2');
    await t.setAlias(name, 'production', '1');
    assert.equal((await t.getVersionByAlias(name, 'candidate'))!.version, '2');
    assert.equal(await t.getVersionByAlias(name, 'nope'), null);
    await t.deleteAlias(name, 'candidate');
    assert.equal(await t.getVersionByAlias(name, 'candidate'), null);
    await t.transitionStage(name, '1', 'Production');
    await t.transitionStage(name, '2', 'Production', true);
    assert.equal((await t.getModelVersion(name, '1')).stage, 'Archived');
    assert.equal((await t.updateModelVersion(name, '2', 'better')).description, 'better');
    const model = await t.getRegisteredModel(name);
    assert.equal(model.latestVersion, '2');
    assert.deepEqual(model.aliases, { production: '1' });
    assert.deepEqual((await t.listModelVersions(name)).map((v) => v.version), ['2', '1']);
    assert.ok((await t.listRegisteredModels()).some((x) => x.name === name));
    await rejectsWith(t.getRegisteredModel(`missing-${name}`), 'NOT_FOUND', new RegExp(`registered model 'missing-${name}'.*not found`));
    await rejectsWith(t.getModelVersion(name, '99'), 'NOT_FOUND', /99/);
  });

  test(`${label}: champion/challenger moves production only for a better candidate`, async () => {
    const t = get();
    const name = `model-${uniq()}`;
    const version = async (f1: number) => {
      const run = await t.createRun({ experiment: `exp-${uniq()}` });
      await t.logBatch(run.runId, { metrics: [{ key: 'test_f1', value: f1, step: 0, timestamp: Date.now() }] });
      const logged = await logModel(t, run.runId, { onnx: tinyOnnx() });
      await t.endRun(run.runId);
      return { run, v: await registerModel(t, name, logged.modelUri) };
    };
    const first = await version(0.8);
    const d1 = await championChallenger(t, { name, candidate: first.v.version, metric: 'test_f1', higherIsBetter: true });
    assert.equal(d1.promoted, true);
    assert.equal(d1.production, null);
    const worse = await version(0.7);
    const d2 = await championChallenger(t, { name, candidate: worse.v.version, metric: 'test_f1', higherIsBetter: true });
    assert.deepEqual([d2.promoted, d2.production], [false, { version: '1', value: 0.8 }]);
    assert.equal((await t.getVersionByAlias(name, 'production'))!.version, '1');
    assert.equal((await t.getVersionByAlias(name, 'candidate'))!.version, '2');
    const runTags = (await t.getRun(worse.run.runId)).tags;
    assert.equal(runTags['dfp.champion.decision'], 'kept_production');
    assert.equal(runTags['dfp.champion.production_value'], '0.8');
    assert.equal((await t.getRun(worse.run.runId)).params['champion.candidate_value'], '0.7');
    const better = await version(0.9);
    // numbers passed in win over the runs' metrics (both scored on the same test data by the caller)
    const d3 = await championChallenger(t, { name, candidate: better.v.version, metric: 'test_f1', higherIsBetter: true, candidateValue: 0.91, productionValue: 0.85 });
    assert.deepEqual([d3.promoted, d3.candidate, d3.production], [true, { version: '3', value: 0.91 }, { version: '1', value: 0.85 }]);
    assert.equal((await t.getVersionByAlias(name, 'production'))!.version, '3');
    assert.equal((await t.getModelVersion(name, '3')).tags['dfp.champion.decision'], 'promoted');
  });
}
