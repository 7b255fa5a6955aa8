// The CLI's parity path: .tflite bytes read back and run by the reference evaluator agree with onnxruntime (and so with LiteRT).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDfpError } from '../../core/errors.ts';
import { openGraph } from '../../engine/onnxruntime/index.ts';
import { maxAbsDiff } from '../parity.ts';
import { sampleRows } from '../sample.ts';
import { autoencoderModel, classifierModel } from '../testing/graphs.ts';
import { ROWS, W, cases, rows } from '../testing/op-cases.ts';
import { F, rawRows, realAutoencoder } from '../testing/real-models.ts';
import { evalTflite } from './eval.ts';
import { convertToTflite } from './export-tflite.ts';
import { lowerToTflite } from './lower.ts';
import { readTflite } from './read.ts';
import { readOnnxGraph } from '../../core/ml/export/index.ts';

test('read(write(model)) gives back the lowered model', () => {
  const onnx = autoencoderModel(12);
  const { model } = lowerToTflite(readOnnxGraph(onnx));
  const back = readTflite(convertToTflite(onnx).bytes);
  assert.deepEqual(back.ops, model.ops);
  assert.deepEqual(back.inputs, model.inputs);
  assert.deepEqual(back.outputs, model.outputs);
  assert.deepEqual(back.tensors.map((t) => [t.name, t.type, t.shape, t.data?.length ?? 0]), model.tensors.map((t) => [t.name, t.type, t.shape, t.data?.length ?? 0]));
});

test('reference evaluator on the written bytes matches onnxruntime for every op case and whole models (<= 1e-4)', async () => {
  const all = [
    ...cases.map((c, i) => ({ name: c.name, bytes: c.model, x: rows(c.positive ? 'positive' : 'signed', i + 1), n: ROWS, w: W })),
    { name: 'autoencoder', bytes: autoencoderModel(12), x: sampleRows(6, 12, 5), n: 6, w: 12 },
    { name: 'classifier', bytes: classifierModel(12), x: sampleRows(6, 12, 6), n: 6, w: 12 },
    { name: 'dfp autoencoder', bytes: realAutoencoder(), x: rawRows(3, 7), n: 3, w: F },
  ];
  for (const m of all) {
    const feeds = { x: { shape: [m.n, m.w], data: m.x } };
    const want = await (await openGraph(m.bytes)).run(feeds);
    const got = evalTflite(readTflite(convertToTflite(m.bytes).bytes), feeds);
    for (const o of want) assert.deepEqual(got.find((g) => g.name === o.name)?.shape, o.shape, `${m.name}: ${o.name} shape`);
    const d = maxAbsDiff(want, got);
    assert.ok(d <= 1e-4, `${m.name}: max abs diff ${d}`);
  }
});

test('a file that is not TFLite is refused', () => {
  assert.throws(() => readTflite(new Uint8Array(64)), (e: unknown) => isDfpError(e) && /TFL3/.test(e.message));
});
