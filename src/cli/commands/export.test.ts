// End-to-end `dfp export` through the real binary: ONNX and TFLite from a model directory, --json shape, usage errors.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../../core/config/load.ts';
import { readMetadataProps } from '../../core/ml/export/index.ts';
import { autoencoderModel } from '../../export/testing/graphs.ts';
import { logModel, openTracking, registerModel } from '../../tracking/index.ts';
import { runDfp } from '../../../tests/support/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'dfp-export-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

const W = 12;
const modelDir = join(root, 'fingerprint');
mkdirSync(modelDir);
writeFileSync(join(modelDir, 'model.onnx'), autoencoderModel(W));
const columns = Array.from({ length: W }, (_, j) => `col_${j}`);
writeFileSync(join(modelDir, 'preprocessing.json'), JSON.stringify({ kind: 'autoencoder', threshold: 0.75, input: { name: 'x', n_features: W, feature_list_hash: 'feedbeef' }, preprocess: { columns } }));

test('dfp export --format tflite --json reports path, ops, inputs, outputs and parity', () => {
  const out = join(root, 'dist-tflite');
  const r = runDfp(['export', '--model', modelDir, '--format', 'tflite', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as Record<string, unknown> & { parity: { max_abs_diff: number; rows: number }; ops: string[]; inputs: unknown[]; outputs: { name: string; shape: number[] }[] };
  assert.equal(j.format, 'tflite');
  assert.equal(j.path, join(out, 'fingerprint.tflite'));
  assert.equal(j.opset, undefined);
  assert.ok(j.ops.includes('FULLY_CONNECTED') && j.ops.includes('SELECT_V2'), String(j.ops));
  assert.deepEqual(j.inputs, [{ name: 'x', dtype: 'float32', shape: [-1, W] }]);
  assert.deepEqual(j.outputs.map((o) => [o.name, o.shape]), [['score', [-1]], ['feature_error', [-1, W]]]);
  assert.equal(j.parity.rows, 8);
  assert.ok(j.parity.max_abs_diff <= 1e-4, String(j.parity.max_abs_diff));
  assert.equal(readFileSync(String(j.path)).subarray(4, 8).toString(), 'TFL3');
});

test('dfp export --format onnx --json states the opset and writes the sidecar metadata into metadata_props', () => {
  const out = join(root, 'dist-onnx');
  const r = runDfp(['export', '--model', join(modelDir, 'model.onnx'), '--format', 'onnx', '--out', out, '--name', 'fp', '--rows', '3', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { format: string; path: string; opset: number; ops?: unknown; parity: { max_abs_diff: number; rows: number } };
  assert.equal(j.format, 'onnx');
  assert.equal(j.opset, 17);
  assert.equal(j.ops, undefined);
  assert.deepEqual([j.parity.rows, j.parity.max_abs_diff <= 1e-5], [3, true]);
  const props = readMetadataProps(new Uint8Array(readFileSync(j.path)));
  assert.equal(props.feature_list_hash, 'feedbeef');
  assert.equal(props.feature_names, JSON.stringify(columns));
  assert.equal(props.threshold, '0.75');
  assert.equal(props.kind, 'autoencoder');
  assert.ok(props.dfp_version);
});

test('usage errors: an unknown format (ExecuTorch is pointed elsewhere), a missing model, an unknown model URI', () => {
  const bad = runDfp(['export', '--model', modelDir, '--format', 'executorch', '--out', root, '--json']);
  assert.equal(bad.code, 2);
  assert.match((JSON.parse(bad.stdout) as { error: { message: string } }).error.message, /ExecuTorch.*PyTorch/);
  const missing = runDfp(['export', '--model', join(root, 'nope'), '--format', 'onnx', '--out', root, '--json']);
  assert.equal(missing.code, 1);
  assert.equal((JSON.parse(missing.stdout) as { error: { code: string } }).error.code, 'NOT_FOUND');
  const uri = runDfp(['export', '--model', 'models:/no-such-model/1', '--format', 'onnx', '--out', root, '--json']);
  assert.notEqual(uri.code, 0);
  assert.ok((JSON.parse(uri.stdout) as { error?: unknown }).error, uri.stdout);
});

test('a models:/ URI resolves through the tracking store (embedded), sidecar metadata included', async () => {
  const home = mkdtempSync(join(root, 'home-'));
  const t = await openTracking(loadConfig({ env: { DFP_HOME: home } }).config, { env: {} });
  const run = await t.createRun({ experiment: 'dfp', runName: 'export' });
  const logged = await logModel(t, run.runId, { onnx: join(modelDir, 'model.onnx'), preprocessing: join(modelDir, 'preprocessing.json') });
  await t.endRun(run.runId);
  await registerModel(t, 'fingerprint', logged.modelUri);
  await t.close();
  const out = join(root, 'dist-uri');
  for (const [uri, format] of [['models:/fingerprint/1', 'onnx'], [logged.modelUri, 'tflite']] as const) {
    const r = runDfp(['export', '--model', uri, '--format', format, '--out', out, '--name', `fp-${format}`, '--json'], { DFP_HOME: home });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { path: string; parity: { max_abs_diff: number } };
    assert.ok(j.parity.max_abs_diff <= 1e-4);
    if (format === 'onnx') assert.equal(readMetadataProps(new Uint8Array(readFileSync(j.path))).threshold, '0.75');
  }
});
