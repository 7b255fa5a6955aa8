// Whole models to TFLite: preprocessing + autoencoder (score and per-feature error) and classifier, LiteRT vs onnxruntime <= 1e-4.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openGraph } from '../../engine/onnxruntime/index.ts';
import { maxAbsDiff } from '../parity.ts';
import { sampleRows } from '../sample.ts';
import { autoencoderModel, classifierModel } from '../testing/graphs.ts';
import { litertAvailable, runLitertMany } from '../testing/litert.ts';
import { F, rawRows, realAutoencoder, realClassifier } from '../testing/real-models.ts';
import { exportTflite } from './export-tflite.ts';

const dir = mkdtempSync(join(tmpdir(), 'dfp-tflite-models-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const W = 12;
const models = [
  { name: 'autoencoder (relu)', bytes: autoencoderModel(W, 'relu'), width: W, outputs: ['score', 'feature_error'] },
  { name: 'autoencoder (tanh)', bytes: autoencoderModel(W, 'tanh'), width: W, outputs: ['score', 'feature_error'] },
  { name: 'classifier', bytes: classifierModel(W), width: W, outputs: ['score'] },
  { name: 'dfp autoencoder (models/autoencoder.ts)', bytes: realAutoencoder(), width: F, outputs: ['score', 'feature_error'] },
  { name: 'dfp classifier (models/classifier.ts)', bytes: realClassifier(), width: F, outputs: ['score'] },
];

test('full models: outputs keep their names and dynamic batch; LiteRT (builtin and XNNPACK) matches onnxruntime within 1e-4', async (t) => {
  const exported = models.map((m, i) => ({ m, r: exportTflite(m.bytes, dir, { name: `model${i}` }) }));
  for (const { m, r } of exported) {
    assert.deepEqual(r.outputs.map((o) => o.name), m.outputs, m.name);
    assert.equal(r.inputs[0]?.shape[0], -1, `${m.name}: dynamic batch`);
    assert.ok(r.ops.includes('FULLY_CONNECTED'), `${m.name}: ${r.ops}`);
  }
  const why = litertAvailable();
  if (why !== true) return t.skip(why);
  // Two batch sizes through the same file: the batch dimension is resized, not baked in.
  const batches = [7, 1];
  const runs = exported.flatMap(({ m, r }, i) =>
    batches.flatMap((n) => {
      const x = m.width === F ? rawRows(n, 10 + i) : sampleRows(n, m.width, 10 + i);
      return [false, true].map((delegates) => ({ m, x, n, delegates, run: { model: r.path, inputs: { x: { shape: [n, m.width], data: x } }, delegates } }));
    }),
  );
  const lite = runLitertMany(runs.map((r) => r.run));
  for (const [k, r] of runs.entries()) {
    const ort = await (await openGraph(r.m.bytes)).run({ x: { shape: [r.n, r.m.width], data: r.x } });
    const got = lite[k]?.outputs ?? [];
    for (const o of ort) {
      const g = got.find((q) => q.name === o.name);
      assert.deepEqual(g?.shape, o.shape, `${r.m.name} n=${r.n}: shape of ${o.name}`);
      assert.ok(o.data.every(Number.isFinite), `${r.m.name}: onnxruntime output ${o.name} is finite`);
    }
    const d = maxAbsDiff(ort, got);
    if (process.env.DFP_EXPORT_DEBUG) console.log(r.m.name, `n=${r.n}`, r.delegates ? 'xnnpack' : 'builtin', d);
    assert.ok(d <= 1e-4, `${r.m.name} n=${r.n} delegates=${r.delegates}: max abs diff ${d}`);
  }
});
