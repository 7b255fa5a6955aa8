// Op-by-op conversion: each supported ONNX op alone in a tiny graph, LiteRT (reference kernels) vs onnxruntime within 1e-4.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isDfpError } from '../../core/errors.ts';
import { openGraph } from '../../engine/onnxruntime/index.ts';
import { maxAbsDiff } from '../parity.ts';
import { builderModel, rawModel } from '../testing/graphs.ts';
import { ROWS, W, cases, rows } from '../testing/op-cases.ts';
import { litertAvailable, runLitertMany } from '../testing/litert.ts';
import { exportTflite } from './export-tflite.ts';

const dir = mkdtempSync(join(tmpdir(), 'dfp-tflite-ops-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('every supported op converts and matches onnxruntime (LiteRT builtin kernels, max abs diff <= 1e-4)', async (t) => {
  const why = litertAvailable();
  const exported = cases.map((c, i) => ({ c, r: exportTflite(c.model, dir, { name: `op${i}` }), x: rows(c.positive ? 'positive' : 'signed', i + 1) }));
  for (const { c, r } of exported) {
    for (const op of c.expect) assert.ok(r.ops.includes(op), `${c.name}: expected ${op} in ${r.ops.join(', ')}`);
    assert.deepEqual(r.inputs, [{ name: 'x', dtype: 'float32', shape: [-1, W] }], c.name);
  }
  // Fusion leaves a single FULLY_CONNECTED where the activation / bias add was folded in.
  assert.deepEqual(exported[2]?.r.ops, ['FULLY_CONNECTED']);
  assert.deepEqual(exported[6]?.r.ops, ['FULLY_CONNECTED']);
  if (why !== true) return t.skip(why);
  const ort = await Promise.all(exported.map(async ({ c, x }) => (await openGraph(c.model)).run({ x: { shape: [ROWS, W], data: x } })));
  const lite = runLitertMany(exported.map(({ r, x }) => ({ model: r.path, inputs: { x: { shape: [ROWS, W], data: x } }, delegates: false })));
  exported.forEach(({ c }, i) => {
    const a = ort[i] ?? [];
    const b = lite[i]?.outputs ?? [];
    assert.deepEqual(b.map((o) => o.name).sort(), a.map((o) => o.name).sort(), `${c.name}: output names`);
    for (const o of a) assert.deepEqual(b.find((q) => q.name === o.name)?.shape, o.shape, `${c.name}: shape of ${o.name}`);
    const d = maxAbsDiff(a, b);
    assert.ok(d <= 1e-4, `${c.name}: max abs diff ${d}`);
    if (process.env.DFP_EXPORT_DEBUG) console.log(c.name, d, a.map((o) => o.shape), lite[i]?.ops);
  });
});

test('an unsupported op is a DfpError naming the op and the node', () => {
  const model = rawModel({ width: W, nodes: [{ op: 'Softmax', inputs: ['x'], output: 'y', attrs: { axis: { int: 1 } } }], outputs: { y: ['N', 4] } });
  assert.throws(
    () => exportTflite(model, dir, { name: 'bad' }),
    (e: unknown) => isDfpError(e) && e.code === 'INPUT_INVALID' && /op Softmax/.test(e.message) && /node 'Softmax_0'/.test(e.message) && /supported: /.test(e.message),
  );
});

test('weights fed as graph inputs are refused with a hint to freeze them', () => {
  const model = builderModel(W, (g, x) => ({ y: g.gemm(x, g.input('p:W', [4, 3])) }));
  assert.throws(() => exportTflite(model, dir, { name: 'unfrozen' }), (e: unknown) => isDfpError(e) && /freeze the parameters/.test(e.message));
});
