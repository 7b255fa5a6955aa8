/**
 * @module Exact per-feature contributions of a tree ensemble's margin for one row: path-dependent TreeSHAP
 * (Lundberg, Erion & Lee 2018, "Consistent Individualized Feature Attribution for Tree Ensembles",
 * Algorithm 2). The contributions are the Shapley values of the game whose value for a feature set S is the
 * tree's expected output when only S is known, missing features averaged over the training rows by each
 * node's cover. They add up: Σ contributions + expected value = the margin.
 */
import type { Tree, TreeEnsemble } from './ensemble.ts';

/**
 * The paths of unique features from the root, one per recursion level, in flat arrays: level paths sit one after the
 * other (a child's copy starts where its parent's ends), so a row's explanation allocates nothing per node.
 * Element j: feature, fraction of zero / one paths, weight.
 */
class Paths {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly weight: Float64Array;

  /** Room for every level of a tree with at most `nodes` nodes (its depth is below that). */
  constructor(nodes: number) {
    const size = ((nodes + 2) * (nodes + 3)) / 2;
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }

  /** Copies the `len` elements at `from` to `to`. */
  copy(from: number, to: number, len: number): void {
    this.feature.copyWithin(to, from, from + len);
    this.zero.copyWithin(to, from, from + len);
    this.one.copyWithin(to, from, from + len);
    this.weight.copyWithin(to, from, from + len);
  }

  /** Appends an element to the path of `l` elements at `off`. */
  extend(off: number, l: number, zero: number, one: number, feature: number): void {
    const w = this.weight;
    this.feature[off + l] = feature;
    this.zero[off + l] = zero;
    this.one[off + l] = one;
    w[off + l] = l === 0 ? 1 : 0;
    for (let i = l - 1; i >= 0; i--) {
      w[off + i + 1]! += (one * w[off + i]! * (i + 1)) / (l + 1);
      w[off + i] = (zero * w[off + i]! * (l - i)) / (l + 1);
    }
  }

  /** Removes element i of the path of `len` elements at `off`, undoing its extension. */
  unwind(off: number, len: number, i: number): void {
    const w = this.weight;
    const l = len - 1;
    const one = this.one[off + i]!;
    const zero = this.zero[off + i]!;
    let n = w[off + l]!;
    for (let j = l - 1; j >= 0; j--) {
      if (one !== 0) {
        const t = w[off + j]!;
        w[off + j] = (n * (l + 1)) / ((j + 1) * one);
        n = t - (w[off + j]! * zero * (l - j)) / (l + 1);
      } else {
        w[off + j] = (w[off + j]! * (l + 1)) / (zero * (l - j));
      }
    }
    for (let j = i; j < l; j++) {
      this.feature[off + j] = this.feature[off + j + 1]!;
      this.zero[off + j] = this.zero[off + j + 1]!;
      this.one[off + j] = this.one[off + j + 1]!;
    }
  }

  /** Sum of the weights the path would have without element i (unwind without changing the path). */
  unwoundSum(off: number, len: number, i: number): number {
    const w = this.weight;
    const l = len - 1;
    const one = this.one[off + i]!;
    const zero = this.zero[off + i]!;
    let total = 0;
    if (one !== 0) {
      let n = w[off + l]!;
      for (let j = l - 1; j >= 0; j--) {
        const t = n / (((j + 1) * one) / (l + 1));
        total += t;
        n = w[off + j]! - (t * zero * (l - j)) / (l + 1);
      }
    } else {
      for (let j = l - 1; j >= 0; j--) total += w[off + j]! / ((zero * (l - j)) / (l + 1));
    }
    return total;
  }
}

/** Which child a row goes to at an inner node. */
function hotChild(tree: Tree, node: number, x: ArrayLike<number>, at: number): number {
  const v = x[at + tree.feature[node]!]!;
  return (Number.isNaN(v) ? tree.missingLeft[node] === 1 : v <= tree.threshold[node]!) ? tree.left[node]! : tree.right[node]!;
}

/** The parent's path is the `parentLen` elements at `parentOff`; this node's copy starts right after it. */
function recurse(tree: Tree, x: ArrayLike<number>, at: number, phi: Float64Array, node: number, p: Paths, parentOff: number, parentLen: number, zero: number, one: number, feature: number): void {
  const off = parentOff + parentLen;
  p.copy(parentOff, off, parentLen);
  p.extend(off, parentLen, zero, one, feature);
  let len = parentLen + 1;
  if (tree.left[node] === -1) {
    // Element 0 is the root's placeholder (feature -1): contributions start at 1.
    for (let i = 1; i < len; i++) phi[p.feature[off + i]!]! += p.unwoundSum(off, len, i) * (p.one[off + i]! - p.zero[off + i]!) * tree.value[node]!;
    return;
  }
  const split = tree.feature[node]!;
  const hot = hotChild(tree, node, x, at);
  const cold = hot === tree.left[node] ? tree.right[node]! : tree.left[node]!;
  let incomingZero = 1;
  let incomingOne = 1;
  // A feature split on again further down: its earlier fractions carry over and its old element goes.
  for (let k = 1; k < len; k++) {
    if (p.feature[off + k] !== split) continue;
    incomingZero = p.zero[off + k]!;
    incomingOne = p.one[off + k]!;
    p.unwind(off, len, k);
    len--;
    break;
  }
  const cover = tree.cover[node]!;
  recurse(tree, x, at, phi, hot, p, off, len, (incomingZero * tree.cover[hot]!) / cover, incomingOne, split);
  recurse(tree, x, at, phi, cold, p, off, len, (incomingZero * tree.cover[cold]!) / cover, 0, split);
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
  const paths = new Paths(Math.max(1, ...model.trees.map((t) => t.left.length)));
  for (const tree of model.trees) {
    expected += expectedValue(tree);
    if (tree.left[0] !== -1) recurse(tree, x, at, phi, 0, paths, 0, 0, 1, 1, -1);
  }
  return { values: phi, expected };
}
