// The seeded streams are reproducible and well spread; init respects He/Glorot bounds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mlpParams } from './graph/mlp.ts';
import { initParams } from './init.ts';
import { mulberry32, normal } from './prng.ts';

test('mulberry32 is reproducible, in [0, 1), and roughly uniform', () => {
  const a = mulberry32(123);
  const b = mulberry32(123);
  const xs = Array.from({ length: 10000 }, () => a());
  assert.deepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => b()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
});

test('normal() has mean ~0 and variance ~1', () => {
  const n = normal(mulberry32(5));
  const xs = Array.from({ length: 20000 }, () => n());
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const v = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  assert.ok(Math.abs(mean) < 0.03 && Math.abs(v - 1) < 0.05, `mean ${mean} var ${v}`);
});

test('initParams: He bound for ReLU layers, Glorot otherwise, zero biases, seed-determined', () => {
  const infos = mlpParams({ sizes: [100, 50, 10], activations: ['relu', 'tanh'] });
  const [w0, b0, w1] = initParams(infos, 9);
  const max = (a: Float32Array) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  assert.ok(max(w0!) <= Math.sqrt(6 / 100) && max(w0!) > 0.9 * Math.sqrt(6 / 100));
  assert.ok(max(w1!) <= Math.sqrt(6 / 60) && max(w1!) > 0.9 * Math.sqrt(6 / 60));
  assert.ok(b0!.every((x) => x === 0));
  assert.deepEqual(initParams(infos, 9), initParams(infos, 9));
  assert.notDeepEqual(initParams(infos, 9)[0], initParams(infos, 10)[0]);
});
