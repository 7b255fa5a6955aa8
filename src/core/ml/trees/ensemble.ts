/**
 * @module A trained tree ensemble as flat typed arrays, and its evaluation on raw feature rows. Node i of a
 * tree is a leaf when left[i] = -1; otherwise rows with x[feature] ≤ threshold (or missing, when
 * missingLeft) go to left[i]. The margin is base + the sum of the leaves reached; the probability its
 * logistic. This layout maps one to one onto ONNX-ML's TreeEnsemble node attributes.
 */

export interface Tree {
  feature: Int32Array;
  threshold: Float64Array;
  missingLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  /** Leaf output (shrinkage applied); for inner nodes the value the node would have as a leaf. */
  value: Float64Array;
  /** Sum of Hessians of the training rows through each node (TreeSHAP's path weights). */
  cover: Float64Array;
}

export interface TreeEnsemble {
  /** Raw margin before any tree: log-odds of the (weighted) training prior. */
  base: number;
  trees: Tree[];
  /** Features per row the ensemble reads. */
  features: number;
}

/** Leaf index reached by one row (row-major matrix, row r). */
export function leafOf(tree: Tree, x: ArrayLike<number>, at: number): number {
  let i = 0;
  while (tree.left[i]! !== -1) {
    const v = x[at + tree.feature[i]!]!;
    i = (Number.isNaN(v) ? tree.missingLeft[i] === 1 : v <= tree.threshold[i]!) ? tree.left[i]! : tree.right[i]!;
  }
  return i;
}

/** Raw margins of n rows of a row-major [n, F] matrix. */
export function predictMargin(model: TreeEnsemble, x: ArrayLike<number>, n: number): Float64Array {
  const F = model.features;
  const out = new Float64Array(n).fill(model.base);
  for (const tree of model.trees) {
    for (let r = 0; r < n; r++) out[r]! += tree.value[leafOf(tree, x, r * F)]!;
  }
  return out;
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Probabilities of the positive class for n rows. */
export function predictProba(model: TreeEnsemble, x: ArrayLike<number>, n: number): Float64Array {
  return predictMargin(model, x, n).map(sigmoid);
}
