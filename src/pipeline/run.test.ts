// `dfp run` end to end on the real subset, through the real binary: the JSON contract, a fully cached
// re-run, a failing step that names itself and a resume, and champion/challenger across two configs;
// and on small self-made files, the emulator capture (data=kronodroid_emulator) from ingest to export.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runDfp } from '../../tests/support/cli.ts';
import { REAL_2019, haveRealData } from '../../tests/support/shared-data.ts';
import { literal, openDuckDb, queryRows } from '../engine/duckdb/connection.ts';
import { configFor, shaOf, writeTrainableCsv } from '../ingest/testing.ts';
import { openLake } from '../lake/open.ts';
import type { RunSummary } from './types.ts';

// Few epochs: these tests check the orchestration, not model quality.
const FAST = ['train.epochs=8', 'train.patience=4'];
const KINDS = ['autoencoder', 'classifier', 'classifier_static'];
const STEPS = ['ingest', 'transform', 'features', ...['train', 'evaluate', 'register', 'export'].flatMap((step) => KINDS.map((k) => `${step}_${k}`))];
const MODELS = ['kronodroid_autoencoder', 'kronodroid_detector', 'kronodroid_detector_static'];

function run(home: string, extra: string[] = [], source = REAL_2019): { code: number; summary: RunSummary | undefined; stderr: string } {
  const r = runDfp(['run', '--source', source, '--json', ...FAST, ...extra], { DFP_HOME: home });
  const parsed = JSON.parse(r.stdout) as RunSummary | { error: unknown };
  return { code: r.code, summary: 'steps' in parsed ? parsed : undefined, stderr: r.stderr };
}

const statuses = (s: RunSummary) => Object.fromEntries(Object.entries(s.steps).map(([k, v]) => [k, v.status]));

test('dfp run: JSON contract on a fresh workspace, then a fully cached re-run', (t) => {
  if (!haveRealData(t)) return;
  const home = mkdtempSync(join(tmpdir(), 'dfp-run-'));
  const first = run(home);
  assert.equal(first.code, 0, first.stderr);
  const s = first.summary as RunSummary;
  assert.match(s.data_commit, /^[0-9a-f]{64}$/);
  // The trainings run side by side: steps are reported as they finish.
  assert.deepEqual(Object.keys(s.steps).sort(), [...STEPS].sort());
  for (const name of STEPS) assert.equal(s.steps[name]?.status, 'ran', name);
  for (const name of STEPS) assert.equal(typeof s.steps[name]?.seconds, 'number');
  assert.deepEqual(Object.keys(s.models).sort(), MODELS);
  for (const name of MODELS) {
    const m = s.models[name]!;
    assert.equal(m.version, '1');
    assert.equal(m.production, true, 'the first version of a model goes to production');
    assert.ok(typeof m.metrics.roc_auc === 'number' && m.metrics.roc_auc > 0.5, `${name} roc_auc ${String(m.metrics.roc_auc)}`);
    assert.ok(existsSync(s.exports[name]!.onnx) && s.exports[name]!.onnx.endsWith('.onnx'));
    assert.ok(existsSync(s.exports[name]!.tflite) && s.exports[name]!.tflite.endsWith('.tflite'));
    assert.equal(m.static_only, name === 'kronodroid_detector_static', `${name}: static_only`);
  }
  assert.match(s.serve, /npx dfp serve/);
  for (const name of STEPS) assert.match(first.stderr, new RegExp(`\\] ${name} ran in`), 'one stderr line per step');
  assert.deepEqual(JSON.parse(readFileSync(join(home, 'runs', 'last-run.json'), 'utf8')), s, 'last-run.json holds the --json document');
  assert.ok(existsSync(join(home, 'runs', 'pipeline', 'state.json')));

  const second = run(home);
  assert.equal(second.code, 0, second.stderr);
  const s2 = second.summary as RunSummary;
  assert.deepEqual(statuses(s2), Object.fromEntries(STEPS.map((n) => [n, 'cached'])));
  assert.equal(s2.data_commit, s.data_commit);
  assert.deepEqual(s2.exports, s.exports);
  for (const name of MODELS) assert.equal(s2.models[name]?.version, '1', 'a cached run registers nothing new');
});

test('dfp run: a failing step stops the run naming it; the next run resumes there', (t) => {
  if (!haveRealData(t)) return;
  const home = mkdtempSync(join(tmpdir(), 'dfp-run-fail-'));
  const missing = run(home, [], join(home, 'no-such-file.csv'));
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /step 'ingest' failed: .*no such file/);

  const broken = run(home, ['store.registry=/nonexistent/feature_store.yaml']);
  assert.notEqual(broken.code, 0);
  assert.match(broken.stderr, /step 'features' failed: .*feature_store\.yaml/);
  assert.match(broken.stderr, /run `dfp run --source \S+ .*store\.registry=\/nonexistent\/feature_store\.yaml` again/, 'the hint repeats the source and overrides');
  const last = JSON.parse(readFileSync(join(home, 'runs', 'last-run.json'), 'utf8')) as RunSummary;
  assert.equal(last.status, 'failed');
  assert.deepEqual(statuses(last), { ingest: 'ran', transform: 'ran', features: 'failed' });
  assert.equal(last.error?.step, 'features');

  const resumed = run(home);
  assert.equal(resumed.code, 0, resumed.stderr);
  const s = resumed.summary as RunSummary;
  assert.equal(s.steps.ingest?.status, 'cached');
  assert.equal(s.steps.transform?.status, 'cached');
  assert.equal(s.steps.features?.status, 'ran');
  assert.equal(s.status, 'succeeded');
});

test('dfp run: champion/challenger — a changed config trains new candidates; production moves only when better', (t) => {
  if (!haveRealData(t)) return;
  const home = mkdtempSync(join(tmpdir(), 'dfp-run-champion-'));
  const first = run(home);
  assert.equal(first.code, 0, first.stderr);
  const s1 = first.summary as RunSummary;

  // One epoch at a tiny learning rate: a different (almost surely worse) candidate on the same data.
  const second = run(home, ['train.epochs=1', 'train.lr=0.00001']);
  assert.equal(second.code, 0, second.stderr);
  const s2 = second.summary as RunSummary;
  for (const step of ['ingest', 'transform', 'features']) assert.equal(s2.steps[step]?.status, 'cached', step);
  for (const step of ['train', 'register'].flatMap((st) => KINDS.map((k) => `${st}_${k}`))) assert.equal(s2.steps[step]?.status, 'ran', step);
  for (const name of MODELS) {
    const m = s2.models[name]!;
    const c = m.champion;
    assert.equal(m.version, '2', `${name}: a new candidate version`);
    assert.equal(m.retrain.trained, true, 'a changed config on the same data always trains');
    assert.match(m.retrain.reason, /same data as production v1/);
    assert.equal(c.production_version, '1');
    // The champion is re-scored on the same test rows as the candidate: the same number as its own evaluation.
    assert.ok(Math.abs((c.production_value as number) - (s1.models[name]!.metrics.roc_auc as number)) < 1e-9, `${name}: ${String(c.production_value)}`);
    assert.equal(c.candidate_value, m.metrics.roc_auc);
    assert.equal(c.promoted, (c.candidate_value as number) > (c.production_value as number), c.reason);
    assert.equal(m.production, c.promoted);
    assert.equal(m.production_version, c.promoted ? '2' : '1');
    assert.equal(s2.exports[name]?.version, m.production_version, 'the production version is what gets exported');
  }
});

test('dfp run with orchestration.name=kubeflow is refused naming the key, not silently run locally', () => {
  const home = mkdtempSync(join(tmpdir(), 'dfp-run-orch-'));
  const r = runDfp(['run', '--source', 'does-not-matter.csv', 'orchestration.name=kubeflow', '--json'], { DFP_HOME: home });
  assert.notEqual(r.code, 0);
  const err = (JSON.parse(r.stdout) as { error: { code: string; message: string; details?: { key?: string } } }).error;
  assert.equal(err.code, 'CONFIG_INVALID');
  assert.equal(err.details?.key, 'orchestration.name');
  assert.match(err.message, /orchestration=local/);
  assert.ok(!existsSync(join(home, 'runs', 'pipeline', 'state.json')), 'no step ran');
});

/** sha256 of training_apps at a data commit, read back from the workspace's lake. */
async function trainingShas(home: string, commit: string): Promise<string[]> {
  const lake = await openLake(configFor(home));
  const conn = await openDuckDb({ threads: 1 });
  try {
    const path = await lake.tablePath(commit, 'training_apps');
    return (await queryRows<{ sha256: string }>(conn, `SELECT sha256 FROM read_parquet(${literal(path)}) ORDER BY sha256`)).map((r) => r.sha256);
  } finally {
    conn.closeSync();
    await lake.close();
  }
}

test('dfp run data=kronodroid_emulator --source <emulator file>: every step runs on the emulator rows, not the real ones already in the lake', async () => {
  const home = mkdtempSync(join(tmpdir(), 'dfp-run-emulator-'));
  // Small self-made files (no ../shared needed): real-device rows are loaded first, so reading them would show.
  const real = writeTrainableCsv(home, 'real.csv', 30, { layout: 'official-real', first: 0 });
  const emulator = writeTrainableCsv(home, 'emulator.csv', 40, { layout: 'official-emulator', first: 1000 });
  const ingested = runDfp(['ingest', '--source', real], { DFP_HOME: home });
  assert.equal(ingested.code, 0, ingested.stderr);

  const r = run(home, ['data=kronodroid_emulator'], emulator);
  assert.equal(r.code, 0, r.stderr);
  // 40 apps are too few for the static-only tree detector: it falls back to the preset's kind, saying so.
  assert.match(r.stderr, /kronodroid_detector_static: .*min_data_in_leaf.*; trained with model\.classifier\.kind=auto instead/);
  const s = r.summary as RunSummary;
  assert.equal(s.status, 'succeeded');
  assert.deepEqual(statuses(s), Object.fromEntries(STEPS.map((n) => [n, 'ran'])));
  assert.deepEqual([s.data?.table, s.data?.rows, s.data?.raw_table], ['training_apps', 40, 'kronodroid_emulator']);
  assert.deepEqual(await trainingShas(home, s.data_commit), Array.from({ length: 40 }, (_, k) => shaOf(1000 + k)).sort());
  assert.deepEqual(Object.keys(s.models).sort(), MODELS);
  for (const name of MODELS) assert.ok(existsSync(s.exports[name]!.onnx), name);

  // Same source, other capture: ingest is cached, the transform is not (data.table is part of its key).
  const back = run(home, ['data.table=kronodroid_real'], emulator);
  assert.equal(back.code, 0, back.stderr);
  const b = back.summary as RunSummary;
  assert.equal(b.steps.ingest?.status, 'cached');
  assert.equal(b.steps.transform?.status, 'ran');
  assert.deepEqual([b.data?.rows, b.data?.raw_table], [30, 'kronodroid_real']);
});
