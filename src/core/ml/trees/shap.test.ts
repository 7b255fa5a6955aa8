// TreeSHAP against its definition: local accuracy, and the Shapley values of the path-dependent game
// computed by brute force over every feature subset on small trees.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../prng.ts';
import { boost } from './boost.ts';
import { predictMargin, type Tree, type TreeEnsemble } from './ensemble.ts';
import { treeShap } from './shap.ts';

/** E[tree(x) | features in S known]: unknown features follow both children, weighted by cover. */
function conditional(tree: Tree, x: ArrayLike<number>, at: number, known: Set<number>, node = 0): number {
  if (tree.left[node] === -1) return tree.value[node]!;
  const f = tree.feature[node]!;
  const l = tree.left[node]!;
  const r = tree.right[node]!;
  if (known.has(f)) {
    const v = x[at + f]!;
    return conditional(tree, x, at, known, (Number.isNaN(v) ? tree.missingLeft[node] === 1 : v <= tree.threshold[node]!) ? l : r);
  }
  return (tree.cover[l]! * conditional(tree, x, at, known, l) + tree.cover[r]! * conditional(tree, x, at, known, r)) / tree.cover[node]!;
}

/** Shapley values by their definition: every subset, weighted |S|!(F-|S|-1)!/F!. */
function bruteForce(model: TreeEnsemble, x: ArrayLike<number>, row: number): Float64Array {
  const F = model.features;
  const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
  const value = (S: Set<number>) => model.trees.reduce((a, t) => a + conditional(t, x, row * F, S), 0);
  const phi = new Float64Array(F);
  for (let mask = 0; mask < 1 << F; mask++) {
    const S = new Set<number>();
    for (let f = 0; f < F; f++) if (mask & (1 << f)) S.add(f);
    const base = value(S);
    for (let f = 0; f < F; f++) {
      if (S.has(f)) continue;
      const withF = new Set(S).add(f);
      phi[f]! += ((fact(S.size) * fact(F - S.size - 1)) / fact(F)) * (value(withF) - base);
    }
  }
  return phi;
}

function data(n: number, F: number, seed: number) {
  const rand = mulberry32(seed);
  const x = new Float32Array(n * F);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < F; f++) x[i * F + f] = rand() < 0.05 ? NaN : Math.floor(rand() * 10);
    const v = (k: number) => (Number.isNaN(x[i * F + k]!) ? 5 : x[i * F + k]!);
    y[i] = (v(0) > 4 && v(1) < 6) || v(2) + v(3) > 14 ? 1 : 0;
  }
  return { x, y, n };
}

test('contributions plus the expected value are the margin (local accuracy), on every row', () => {
  const F = 8;
  const d = data(600, F, 5);
  const { model } = boost(d, F, { iterations: 30, maxLeaves: 12, minDataInLeaf: 5, learningRate: 0.2 });
  const margins = predictMargin(model, d.x, d.n);
  for (let r = 0; r < 100; r++) {
    const c = treeShap(model, d.x, r);
    const sum = c.values.reduce((a, b) => a + b, c.expected);
    assert.ok(Math.abs(sum - margins[r]!) < 1e-9, `row ${r}: ${sum} vs ${margins[r]}`);
  }
});

test('equal to brute-force Shapley values on small trees (features repeated along paths, missing values)', () => {
  const F = 5;
  const d = data(400, F, 9);
  const { model } = boost(d, F, { iterations: 4, maxLeaves: 10, minDataInLeaf: 3, learningRate: 0.5 });
  // The case that needs unwinding: some path splits on the same feature twice.
  const repeats = model.trees.some((t) => {
    const seen = (node: number, on: number[]): boolean => t.left[node] !== -1 && (on.includes(t.feature[node]!) || seen(t.left[node]!, [...on, t.feature[node]!]) || seen(t.right[node]!, [...on, t.feature[node]!]));
    return seen(0, []);
  });
  assert.ok(repeats, 'expected a tree that splits a feature twice on one path');
  for (let r = 0; r < 40; r++) {
    const fast = treeShap(model, d.x, r).values;
    const exact = bruteForce(model, d.x, r);
    for (let f = 0; f < F; f++) assert.ok(Math.abs(fast[f]! - exact[f]!) < 1e-9, `row ${r} feature ${f}: ${fast[f]} vs ${exact[f]}`);
  }
});
