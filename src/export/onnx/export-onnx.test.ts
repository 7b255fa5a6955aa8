// ONNX export: the written file loads in onnxruntime, matches the original graph within 1e-5, carries dfp's metadata and passes onnx.checker.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isDfpError } from '../../core/errors.ts';
import { readMetadataProps, readOnnxGraph } from '../../core/ml/export/index.ts';
import { openGraph } from '../../engine/onnxruntime/index.ts';
import { maxAbsDiff } from '../parity.ts';
import { sampleRows } from '../sample.ts';
import { autoencoderModel, classifierModel } from '../testing/graphs.ts';
import { checkOnnx, onnxAvailable } from '../testing/onnx-checker.ts';
import { F, rawRows, realAutoencoder } from '../testing/real-models.ts';
import { DFP_VERSION } from '../version.ts';
import { exportOnnx, withMetadata } from './export-onnx.ts';

const dir = mkdtempSync(join(tmpdir(), 'dfp-onnx-export-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const W = 12;
const names = Array.from({ length: W }, (_, j) => `f${j}`);
const models = [
  { name: 'ae', bytes: autoencoderModel(W), width: W },
  { name: 'clf', bytes: classifierModel(W), width: W },
  { name: 'dfp_ae', bytes: realAutoencoder(), width: F },
];

test('exported ONNX matches the original graph in onnxruntime (max abs diff <= 1e-5) and states opset, inputs, outputs', async () => {
  for (const m of models) {
    const meta = m.width === W ? { featureNames: names, featureListHash: 'abc123', threshold: 0.42 } : { threshold: 1.5 };
    const r = await exportOnnx(m.bytes, dir, { name: m.name, metadata: meta });
    assert.equal(r.path, join(dir, `${m.name}.onnx`));
    assert.equal(r.opset, 17);
    assert.deepEqual(r.inputs, [{ name: 'x', dtype: 'float32', shape: [-1, m.width] }]);
    const x = m.width === F ? rawRows(9, 3) : sampleRows(9, m.width, 3);
    const feeds = { x: { shape: [9, m.width], data: x } };
    const a = await (await openGraph(m.bytes)).run(feeds);
    const b = await (await openGraph(new Uint8Array(readFileSync(r.path)))).run(feeds);
    assert.deepEqual(r.outputs.map((o) => o.name), a.map((o) => o.name));
    const d = maxAbsDiff(a, b);
    assert.ok(d <= 1e-5, `${m.name}: max abs diff ${d}`);
  }
});

test('metadata_props hold the feature-list hash, feature names JSON, threshold and dfp version; re-export replaces them', async () => {
  const r = await exportOnnx(models[0]!.bytes, dir, { name: 'meta', metadata: { featureNames: names, featureListHash: 'h1', threshold: 0.5, extra: { kind: 'autoencoder' } } });
  const props = readMetadataProps(new Uint8Array(readFileSync(r.path)));
  assert.deepEqual(props, { kind: 'autoencoder', dfp_version: DFP_VERSION, feature_list_hash: 'h1', feature_names: JSON.stringify(names), threshold: '0.5' });
  const again = withMetadata(new Uint8Array(readFileSync(r.path)), { featureListHash: 'h2', threshold: 0.25 });
  const props2 = readMetadataProps(again);
  assert.equal(props2.feature_list_hash, 'h2');
  assert.equal(props2.threshold, '0.25');
  assert.equal(props2.feature_names, JSON.stringify(names));
  // The graph itself is untouched by the metadata edit.
  assert.deepEqual(readOnnxGraph(again).nodes, readOnnxGraph(models[0]!.bytes).nodes);
});

test('onnx.checker.check_model(full_check=True) accepts every exported file', async (t) => {
  const why = onnxAvailable();
  if (why !== true) return t.skip(why);
  for (const m of models) {
    const r = await exportOnnx(m.bytes, dir, { name: `checked_${m.name}`, metadata: { threshold: 0.1 } });
    const c = checkOnnx(r.path);
    assert.equal(c.ok, true, `${m.name}: ${c.error}`);
    assert.equal(c.opset, 17);
    assert.equal(c.metadata?.dfp_version, DFP_VERSION);
  }
});

test('bad input is a DfpError: not ONNX, or feature names that do not fit the input', async () => {
  await assert.rejects(exportOnnx(new TextEncoder().encode('not a model at all'), dir, { name: 'x' }), (e: unknown) => isDfpError(e) && /ONNX/.test(e.message));
  await assert.rejects(exportOnnx(models[0]!.bytes, dir, { name: 'x', metadata: { featureNames: ['a', 'b'] } }), (e: unknown) => isDfpError(e) && /2 feature names/.test(e.message));
  await assert.rejects(exportOnnx(models[0]!.bytes, dir, { name: '../escape' }), (e: unknown) => isDfpError(e) && e.code === 'USAGE');
});
