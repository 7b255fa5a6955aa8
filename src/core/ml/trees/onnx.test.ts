// The exported tree graph: a valid ONNX model (onnx.checker, full check), and onnxruntime's scores equal to
// dfp's own tree evaluation within 1e-5, missing values and values beyond every threshold included.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSession, ort } from '../../../engine/onnxruntime/index.ts';
import { checkOnnx, onnxAvailable } from '../../../export/testing/onnx-checker.ts';
import { mulberry32 } from '../prng.ts';
import { boost } from './boost.ts';
import { predictMargin } from './ensemble.ts';
import { buildTreeInference } from './onnx.ts';

function data(n: number, F: number, seed: number) {
  const rand = mulberry32(seed);
  const x = new Float32Array(n * F);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < F; f++) x[i * F + f] = rand() < 0.08 ? NaN : Math.floor(rand() * 50) / (f % 3 === 0 ? 7 : 1);
    y[i] = (x[i * F]! > 3 || Number.isNaN(x[i * F + 1]!)) && rand() < 0.9 ? 1 : 0;
  }
  return { x, y, n };
}

test('ONNX tree ensemble: checker-valid, onnxruntime scores equal dfp’s within 1e-5', async (t) => {
  const F = 12;
  const train = data(3000, F, 1);
  const { model } = boost(train, F, { iterations: 120, maxLeaves: 15, minDataInLeaf: 5, learningRate: 0.1, subsample: 0.8, colsample: 0.7, seed: 3 });
  const platt = { a: 0.9, b: -0.2 };
  const bytes = buildTreeInference(model, platt);
  const dir = mkdtempSync(join(tmpdir(), 'dfp-trees-onnx-'));
  const path = join(dir, 'model.onnx');
  writeFileSync(path, bytes);
  const available = onnxAvailable();
  if (available === true) {
    const check = checkOnnx(path);
    assert.ok(check.ok, check.error);
  } else t.diagnostic(`onnx.checker not run: ${available}`);

  // Fresh rows, plus rows beyond the training range (above every threshold, negative, all missing).
  const test_ = data(2000, F, 2);
  const x = new Float32Array((test_.n + 3) * F);
  x.set(test_.x);
  x.fill(1e9, test_.n * F, (test_.n + 1) * F);
  x.fill(-5, (test_.n + 1) * F, (test_.n + 2) * F);
  x.fill(NaN, (test_.n + 2) * F);
  const n = test_.n + 3;
  const session = await openSession(bytes);
  const out = await session.run({ x: new ort.Tensor('float32', x, [n, F]) });
  const got = out.score!.data as Float32Array;
  const margin = predictMargin(model, x, n);
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i]! - 1 / (1 + Math.exp(-(platt.a * margin[i]! + platt.b)))));
  assert.ok(worst <= 1e-5, `largest difference ${worst}`);
  await session.release();
});
