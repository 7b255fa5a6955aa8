/**
 * @module Exact per-feature contributions of a tree ensemble's margin for one row: path-dependent TreeSHAP
 * (Lundberg, Erion & Lee 2018, "Consistent Individualized Feature Attribution for Tree Ensembles",
 * Algorithm 2). The contributions are the Shapley values of the game whose value for a feature set S is the
 * tree's expected output when only S is known, missing features averaged over the training rows by each
 * node's cover. They add up: Σ contributions + expected value = the margin.
 */
import type { Tree, TreeEnsemble } from './ensemble.ts';

/** One element of the path of unique features from the root: feature, fraction of zero / one paths, weight. */
interface PathElement {
  feature: number;
  zero: number;
  one: number;
  weight: number;
}

function extend(path: PathElement[], zero: number, one: number, feature: number): void {
  const l = path.length;
  path.push({ feature, zero, one, weight: l === 0 ? 1 : 0 });
  for (let i = l - 1; i >= 0; i--) {
    path[i + 1]!.weight += (one * path[i]!.weight * (i + 1)) / (l + 1);
    path[i]!.weight = (zero * path[i]!.weight * (l - i)) / (l + 1);
  }
}

/** Removes element i, undoing its extension (the path's weights as if it had never been added). */
function unwind(path: PathElement[], i: number): void {
  const l = path.length - 1;
  const { one, zero } = path[i]!;
  let n = path[l]!.weight;
  for (let j = l - 1; j >= 0; j--) {
    if (one !== 0) {
      const t = path[j]!.weight;
      path[j]!.weight = (n * (l + 1)) / ((j + 1) * one);
      n = t - (path[j]!.weight * zero * (l - j)) / (l + 1);
    } else {
      path[j]!.weight = (path[j]!.weight * (l + 1)) / (zero * (l - j));
    }
  }
  for (let j = i; j < l; j++) {
    path[j]!.feature = path[j + 1]!.feature;
    path[j]!.zero = path[j + 1]!.zero;
    path[j]!.one = path[j + 1]!.one;
  }
  path.pop();
}

/** Sum of the weights the path would have without element i (unwind without changing the path). */
function unwoundSum(path: PathElement[], i: number): number {
  const l = path.length - 1;
  const { one, zero } = path[i]!;
  let total = 0;
  if (one !== 0) {
    let n = path[l]!.weight;
    for (let j = l - 1; j >= 0; j--) {
      const t = n / (((j + 1) * one) / (l + 1));
      total += t;
      n = path[j]!.weight - (t * zero * (l - j)) / (l + 1);
    }
  } else {
    for (let j = l - 1; j >= 0; j--) total += path[j]!.weight / ((zero * (l - j)) / (l + 1));
  }
  return total;
}

const copy = (path: PathElement[]) => path.map((e) => ({ ...e }));

/** Which child a row goes to at an inner node. */
function hotChild(tree: Tree, node: number, x: ArrayLike<number>, at: number): number {
  const v = x[at + tree.feature[node]!]!;
  return (Number.isNaN(v) ? tree.missingLeft[node] === 1 : v <= tree.threshold[node]!) ? tree.left[node]! : tree.right[node]!;
}

function recurse(tree: Tree, x: ArrayLike<number>, at: number, phi: Float64Array, node: number, parent: PathElement[], zero: number, one: number, feature: number): void {
  const path = copy(parent);
  extend(path, zero, one, feature);
  if (tree.left[node] === -1) {
    // Element 0 is the root's placeholder (feature -1): contributions start at 1.
    for (let i = 1; i < path.length; i++) {
      const e = path[i]!;
      phi[e.feature]! += unwoundSum(path, i) * (e.one - e.zero) * tree.value[node]!;
    }
    return;
  }
  const split = tree.feature[node]!;
  const hot = hotChild(tree, node, x, at);
  const cold = hot === tree.left[node] ? tree.right[node]! : tree.left[node]!;
  let incomingZero = 1;
  let incomingOne = 1;
  // A feature split on again further down: its earlier fractions carry over and its old element goes.
  const k = path.findIndex((e, i) => i > 0 && e.feature === split);
  if (k > 0) {
    incomingZero = path[k]!.zero;
    incomingOne = path[k]!.one;
    unwind(path, k);
  }
  const cover = tree.cover[node]!;
  recurse(tree, x, at, phi, hot, path, (incomingZero * tree.cover[hot]!) / cover, incomingOne, split);
  recurse(tree, x, at, phi, cold, path, (incomingZero * tree.cover[cold]!) / cover, 0, split);
}

/** The tree's expected output over the training rows: leaves weighted by cover. */
function expectedValue(tree: Tree): number {
  let sum = 0;
  for (let i = 0; i < tree.left.length; i++) if (tree.left[i] === -1) sum += tree.value[i]! * tree.cover[i]!;
  return sum / tree.cover[0]!;
}

export interface Contributions {
  /** Per feature, its share of the margin. */
  values: Float64Array;
  /** The ensemble's expected margin (base + each tree's expected output). */
  expected: number;
}

/** Contributions of every feature to the margin of row `row` of a row-major matrix. */
export function treeShap(model: TreeEnsemble, x: ArrayLike<number>, row: number): Contributions {
  const phi = new Float64Array(model.features);
  let expected = model.base;
  const at = row * model.features;
  for (const tree of model.trees) {
    expected += expectedValue(tree);
    if (tree.left[0] !== -1) recurse(tree, x, at, phi, 0, [], 1, 1, -1);
  }
  return { values: phi, expected };
}
