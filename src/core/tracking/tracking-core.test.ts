// Pure tracking logic: model URI parsing, log-batch chunking, the champion rule and the MLmodel file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import YAML from 'yaml';
import { DfpError } from '../errors.ts';
import { chunkBatch, decide, formatModelUri, mlModelYaml, parseModelUri, relativeToRun, tensorSignature } from './index.ts';

test('model URIs: every form parses and formats back', () => {
  assert.deepEqual(parseModelUri('runs:/abc123/model'), { kind: 'run', runId: 'abc123', path: 'model' });
  assert.deepEqual(parseModelUri('runs:/abc123/sub/dir/'), { kind: 'run', runId: 'abc123', path: 'sub/dir' });
  assert.deepEqual(parseModelUri('models:/det/3'), { kind: 'version', name: 'det', version: '3' });
  assert.deepEqual(parseModelUri('models:/det@production'), { kind: 'alias', name: 'det', alias: 'production' });
  assert.deepEqual(parseModelUri('models:/det/production'), { kind: 'stage', name: 'det', stage: 'Production' });
  assert.deepEqual(parseModelUri('models:/det/latest'), { kind: 'latest', name: 'det' });
  for (const u of ['runs:/r/model', 'models:/det/3', 'models:/det@candidate', 'models:/det/Staging', 'models:/det/latest']) assert.equal(formatModelUri(parseModelUri(u)), u);
  for (const bad of ['s3://x', 'models:/det', 'models:/det/banana']) assert.throws(() => parseModelUri(bad), (e: unknown) => e instanceof DfpError && e.code === 'USAGE');
});

test('a version source maps back to a path inside its run', () => {
  assert.equal(relativeToRun('mlflow-artifacts:/1/r/artifacts/model', 'mlflow-artifacts:/1/r/artifacts'), 'model');
  assert.equal(relativeToRun('mlflow-artifacts:/1/r/artifacts', 'mlflow-artifacts:/1/r/artifacts/'), '');
  assert.equal(relativeToRun('mlflow-artifacts:/1/other/artifacts/model', 'mlflow-artifacts:/1/r/artifacts'), null);
});

test('log batches are split within MLflow limits', () => {
  const m = Array.from({ length: 2500 }, (_, i) => ({ key: 'k', value: i, step: i, timestamp: 0 }));
  const kv = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: 'v' }));
  const chunks = chunkBatch(m, kv(250), kv(120));
  for (const c of chunks) {
    assert.ok(c.metrics.length <= 1000 && c.params.length <= 100 && c.tags.length <= 100);
    assert.ok(c.metrics.length + c.params.length + c.tags.length <= 1000);
  }
  assert.equal(chunks.flatMap((c) => c.metrics).length, 2500);
  assert.equal(chunks.flatMap((c) => c.params).length, 250);
  assert.equal(chunks.flatMap((c) => c.tags).length, 120);
  assert.deepEqual(chunkBatch([], [], []), []);
});

test('champion rule: strictly better wins, ties keep production, no production promotes', () => {
  assert.equal(decide(0.9, null, true).promoted, true);
  assert.equal(decide(0.9, 0.8, true).promoted, true);
  assert.equal(decide(0.8, 0.8, true).promoted, false);
  assert.equal(decide(0.1, 0.2, false).promoted, true);
  assert.equal(decide(0.3, 0.2, false).promoted, false);
  assert.equal(decide(Number.NaN, null, true).promoted, false);
  // retrain.margin: better, but not by more than the margin, keeps the champion (either direction of "better").
  assert.equal(decide(0.82, 0.8, true, 0.05).promoted, false);
  assert.equal(decide(0.86, 0.8, true, 0.05).promoted, true);
  assert.equal(decide(0.1, 0.12, false, 0.05).promoted, false);
  assert.equal(decide(0.01, 0.12, false, 0.05).promoted, true);
  assert.match(decide(0.82, 0.8, true, 0.05).reason, /margin 0\.05.*production kept/);
});

test('MLmodel has the onnx and python_function flavours and a tensor signature', () => {
  type Doc = { flavors: Record<string, Record<string, unknown>>; signature: { inputs: string }; run_id: string };
  const doc = YAML.parse(mlModelYaml({ artifactPath: 'model', runId: 'r1', modelUuid: 'u', signature: tensorSignature(480, [{ name: 'y', dtype: 'float32', shape: [-1, 1] }]) })) as Doc;
  assert.equal(doc.flavors.onnx!.data, 'model.onnx');
  assert.deepEqual(doc.flavors.onnx!.providers, ['CPUExecutionProvider']);
  assert.ok(doc.flavors.onnx!.onnx_version);
  assert.equal(doc.flavors.python_function!.loader_module, 'mlflow.onnx');
  assert.deepEqual(JSON.parse(doc.signature.inputs), [{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 480] }, name: 'x' }]);
  assert.equal(doc.run_id, 'r1');
});
