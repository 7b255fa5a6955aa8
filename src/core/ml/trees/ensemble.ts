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

/**
 * One ensemble whose margin is the mean of the members' margins: every tree kept, leaf values divided by the
 * member count. TreeSHAP is linear in the leaf values, so the average's contributions are the members' averaged.
 */
export function averageEnsembles(members: readonly TreeEnsemble[]): TreeEnsemble {
  const k = members.length;
  if (k === 0) throw new RangeError('no ensembles to average');
  const features = members[0]!.features;
  if (members.some((m) => m.features !== features)) throw new RangeError('ensembles read different feature counts');
  if (k === 1) return members[0]!;
  return {
    base: members.reduce((a, m) => a + m.base, 0) / k,
    trees: members.flatMap((m) => m.trees.map((t) => ({ ...t, value: t.value.map((v) => v / k) }))),
    features,
  };
}

/** The JSON form a model directory keeps (TreeSHAP reads covers that ONNX-ML cannot hold): one array per field. */
export interface TreeEnsembleJson {
  base: number;
  features: number;
  trees: { feature: number[]; threshold: number[]; missing_left: number[]; left: number[]; right: number[]; value: number[]; cover: number[] }[];
}

export function ensembleToJson(m: TreeEnsemble): TreeEnsembleJson {
  return {
    base: m.base,
    features: m.features,
    trees: m.trees.map((t) => ({
      feature: [...t.feature],
      threshold: [...t.threshold],
      missing_left: [...t.missingLeft],
      left: [...t.left],
      right: [...t.right],
      value: [...t.value],
      cover: [...t.cover],
    })),
  };
}

/** Reads the JSON form back, checking what evaluation relies on; `where` names the file in the error. */
export function ensembleFromJson(j: unknown, where: string): TreeEnsemble {
  const bad = (what: string): never => {
    throw new RangeError(`${where}: ${what}`);
  };
  const o = (j ?? {}) as Partial<TreeEnsembleJson>;
  if (typeof o.base !== 'number' || !Number.isFinite(o.base)) bad('trees.base is not a number');
  if (!Number.isInteger(o.features) || (o.features as number) < 1) bad('trees.features is not a positive integer');
  if (!Array.isArray(o.trees)) bad('trees.trees is not an array');
  const F = o.features as number;
  const trees = (o.trees as TreeEnsembleJson['trees']).map((t, k): Tree => {
    const n = Array.isArray(t?.left) ? t.left.length : bad(`tree ${k} has no nodes`);
    for (const key of ['feature', 'threshold', 'missing_left', 'right', 'value', 'cover'] as const) {
      if (!Array.isArray(t[key]) || t[key].length !== n) bad(`tree ${k}: ${key} does not have ${n} entries`);
    }
    for (let i = 0; i < n; i++) {
      const l = t.left[i]!;
      if (l === -1) continue;
      const r = t.right[i]!;
      // Children come after their parent, so a walk always ends.
      if (!(l > i && l < n && r > i && r < n)) bad(`tree ${k}: node ${i} has children outside the tree`);
      if (!(t.feature[i]! >= 0 && t.feature[i]! < F)) bad(`tree ${k}: node ${i} reads feature ${t.feature[i]} of ${F}`);
    }
    return {
      feature: Int32Array.from(t.feature),
      threshold: Float64Array.from(t.threshold),
      missingLeft: Uint8Array.from(t.missing_left),
      left: Int32Array.from(t.left),
      right: Int32Array.from(t.right),
      value: Float64Array.from(t.value),
      cover: Float64Array.from(t.cover),
    };
  });
  return { base: o.base as number, features: F, trees };
}
