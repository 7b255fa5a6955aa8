// Parity measures: absolute for values up to 1, relative above; NaN on one side only is a failure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maxAbsDiff, maxScaledDiff } from './parity.ts';

const out = (name: string, v: number[]) => [{ name, data: Float32Array.from(v), shape: [v.length] }];

test('scaled difference: absolute up to 1, relative above; missing or NaN-on-one-side outputs are Infinity', () => {
  const a = out('score', [0.25, 400]);
  const b = out('score', [0.25002, 400.02]);
  assert.ok(Math.abs(maxAbsDiff(a, b) - 0.02) < 1e-3);
  assert.ok(Math.abs(maxScaledDiff(a, b) - 5e-5) < 1e-6, String(maxScaledDiff(a, b)));
  assert.ok(Math.abs(maxScaledDiff(out('p', [0.5]), out('p', [0.5001])) - 1e-4) < 1e-6, 'a probability keeps its absolute difference');
  assert.equal(maxScaledDiff(out('s', [1]), out('t', [1])), Infinity);
  assert.equal(maxScaledDiff(out('s', [Number.NaN]), out('s', [1])), Infinity);
  assert.equal(maxScaledDiff(out('s', [Number.NaN]), out('s', [Number.NaN])), 0);
});
