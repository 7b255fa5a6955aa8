/**
 * @module An ONNX-ML TreeEnsembleRegressor lowered to dense TFLite builtin ops, the GEMM formulation of
 * Hummingbird (Nakandala et al., OSDI 2020): per tree, a matrix picks each inner node's feature, a compare
 * against the thresholds gives each node's direction, a path matrix and the expected count of left turns
 * find the leaf, and a last product takes its value. Missing values (NaN) are replaced by 0 and tracked by a
 * mask, so every node sends them to the side the model says. Only builtin ops (FULLY_CONNECTED, LESS,
 * GREATER, SELECT_V2, ADD, SUB, MUL), so LiteRT runs it on any Android device without custom ops.
 */
import { DfpError } from '../../core/errors.ts';
import { attrNumbers, type OnnxNode } from '../../core/ml/export/index.ts';
import type { TfOptions } from './ir.ts';
import type { TfOpName, TfType } from './schema.ts';

/** What the lowering needs from the converter: tensors in, constants, fresh tensors, ops out. */
export interface TreeEmitter {
  /** Tensor index and shape of an ONNX value. */
  value(name: string): { index: number; shape: number[] };
  constant(name: string, shape: number[], data: Float32Array): number;
  tensor(name: string, type: TfType, shape: number[]): number;
  emit(op: TfOpName, inputs: number[], outputs: number[], options?: TfOptions): void;
}

interface TreeNodes {
  inner: { id: number; feature: number; threshold: number; left: number; right: number; missingLeft: boolean }[];
  leaves: { id: number; value: number }[];
}

function fail(n: OnnxNode, why: string): never {
  throw new DfpError('INPUT_INVALID', `cannot convert ONNX node '${n.name}' (TreeEnsembleRegressor) to TFLite: ${why}`, { node: n.name, op: n.opType });
}

/** The trees of the node's attributes (one target, SUM aggregation, no post-transform: what dfp writes). */
function readTrees(n: OnnxNode): { trees: TreeNodes[]; base: number } {
  const a = n.attrs;
  const ints = (k: string) => attrNumbers(a[k]) ?? fail(n, `attribute ${k} is missing`);
  if ((a.aggregate_function ?? 'SUM') !== 'SUM' || (a.post_transform ?? 'NONE') !== 'NONE' || (a.n_targets ?? 1) !== 1) fail(n, 'only one target, SUM aggregation and no post-transform are supported');
  const modes = Array.isArray(a.nodes_modes) ? (a.nodes_modes as string[]) : fail(n, 'attribute nodes_modes is missing');
  const [treeIds, nodeIds, features, values, trueIds, falseIds] = ['nodes_treeids', 'nodes_nodeids', 'nodes_featureids', 'nodes_values', 'nodes_truenodeids', 'nodes_falsenodeids'].map(ints) as number[][];
  const missing = attrNumbers(a.nodes_missing_value_tracks_true) ?? modes.map(() => 0);
  const trees = new Map<number, TreeNodes>();
  const tree = (t: number) => trees.get(t) ?? trees.set(t, { inner: [], leaves: [] }).get(t)!;
  modes.forEach((mode, i) => {
    if (mode === 'LEAF') return;
    if (mode !== 'BRANCH_LEQ') fail(n, `node mode ${mode} is not supported (BRANCH_LEQ and LEAF are)`);
    tree(treeIds![i]!).inner.push({ id: nodeIds![i]!, feature: features![i]!, threshold: values![i]!, left: trueIds![i]!, right: falseIds![i]!, missingLeft: missing[i] === 1 });
  });
  const weights = new Map<string, number>();
  const [tt, tn] = ['target_treeids', 'target_nodeids'].map(ints) as number[][];
  const tw = attrNumbers(a.target_weights) ?? fail(n, 'attribute target_weights is missing');
  tt!.forEach((t, i) => weights.set(`${t}/${tn![i]}`, (weights.get(`${t}/${tn![i]}`) ?? 0) + tw[i]!));
  modes.forEach((mode, i) => {
    if (mode === 'LEAF') tree(treeIds![i]!).leaves.push({ id: nodeIds![i]!, value: weights.get(`${treeIds![i]}/${nodeIds![i]}`) ?? 0 });
  });
  const base = attrNumbers(a.base_values)?.[0] ?? 0;
  return { trees: [...trees.keys()].sort((x, y) => x - y).map((t) => trees.get(t)!), base };
}

export function lowerTreeEnsemble(n: OnnxNode, y: string, e: TreeEmitter): void {
  const { trees, base } = readTrees(n);
  const x = e.value(n.inputs[0] ?? fail(n, 'no input'));
  if (x.shape.length !== 2) fail(n, `the input must be [N, F], got rank ${x.shape.length}`);
  const F = x.shape[1]!;
  const N = x.shape[0]!;
  const f32 = (v: ArrayLike<number>) => Float32Array.from(v);
  const scalar = (name: string, v: number) => e.constant(name, [1], f32([v]));
  const [zero, one] = [scalar(`${y}_zero`, 0), scalar(`${y}_one`, 1)];
  const fc = (name: string, input: number, w: Float32Array, rows: number, cols: number) => {
    const out = e.tensor(name, 'float32', [N, rows]);
    e.emit('FULLY_CONNECTED', [input, e.constant(`${name}_w`, [rows, cols], w), -1], [out], { kind: 'fc', activation: 'NONE' });
    return out;
  };
  const binary = (op: 'ADD' | 'SUB' | 'MUL', name: string, a: number, b: number, shape: number[]) => {
    const out = e.tensor(name, 'float32', shape);
    e.emit(op, [a, b], [out], { kind: op.toLowerCase() as 'add' | 'sub' | 'mul', activation: 'NONE' });
    return out;
  };
  const select = (name: string, cond: number, a: number, b: number, shape: number[]) => {
    const out = e.tensor(name, 'float32', shape);
    e.emit('SELECT_V2', [cond, a, b], [out]);
    return out;
  };
  const compare = (op: 'LESS' | 'GREATER', name: string, a: number, b: number, shape: number[]) => {
    const out = e.tensor(name, 'bool', shape);
    e.emit(op, [a, b], [out]);
    return out;
  };

  // Missing values: NaN < +inf is false. Values as given where present, 0 where missing, and the mask.
  const present = compare('LESS', `${y}_present`, x.index, scalar(`${y}_inf`, Infinity), [N, F]);
  const values = select(`${y}_values`, present, x.index, zero, [N, F]);
  const mask = select(`${y}_mask`, present, one, zero, [N, F]);
  // The features any tree splits on, gathered once (a product with a 0/1 matrix).
  const used = [...new Set(trees.flatMap((t) => t.inner.map((i) => i.feature)))].sort((p, q) => p - q);
  const U = Math.max(1, used.length);
  const pick = new Float32Array(U * F);
  used.forEach((f, u) => (pick[u * F + f] = 1));
  const xu = fc(`${y}_used`, values, pick, U, F);
  const mu = fc(`${y}_used_mask`, mask, pick, U, F);
  const col = new Map(used.map((f, u) => [f, u]));

  let sum = -1;
  let constant = base;
  trees.forEach((t, k) => {
    if (t.inner.length === 0) {
      constant += t.leaves[0]?.value ?? 0;
      return;
    }
    const I = t.inner.length;
    const L = t.leaves.length;
    const innerAt = new Map(t.inner.map((node, i) => [node.id, i]));
    const leafAt = new Map(t.leaves.map((leaf, j) => [leaf.id, j]));
    const A = new Float32Array(I * U);
    t.inner.forEach((node, i) => (A[i * U + col.get(node.feature)!] = 1));
    // C[leaf, node]: +1 when the leaf is under the node's left child, -1 under its right; D: left turns to it.
    const C = new Float32Array(L * I);
    const D = new Float32Array(L);
    const walk = (id: number, path: { i: number; left: boolean }[]) => {
      const i = innerAt.get(id);
      if (i === undefined) {
        const j = leafAt.get(id);
        if (j === undefined) fail(n, `tree ${k}: node ${id} is neither a branch nor a leaf`);
        for (const p of path) C[j * I + p.i] = p.left ? 1 : -1;
        D[j] = path.filter((p) => p.left).length - 0.5;
        return;
      }
      if (path.length > I) fail(n, `tree ${k} has a cycle`);
      const node = t.inner[i]!;
      walk(node.left, [...path, { i, left: true }]);
      walk(node.right, [...path, { i, left: false }]);
    };
    const root = t.inner.find((node) => !t.inner.some((o) => o.left === node.id || o.right === node.id));
    walk(root?.id ?? fail(n, `tree ${k} has no root`), []);
    const p = `${y}_t${k}`;
    const v = fc(`${p}_v`, xu, A, I, U);
    const m = fc(`${p}_m`, mu, A, I, U);
    const thresholds = e.constant(`${p}_thr`, [I], f32(t.inner.map((node) => node.threshold)));
    const goesLeft = select(`${p}_le`, compare('GREATER', `${p}_gt`, v, thresholds, [N, I]), zero, one, [N, I]);
    // left = missingLeft + present · (x ≤ t − missingLeft): the value decides where present, the model where not.
    const ml = e.constant(`${p}_ml`, [I], f32(t.inner.map((node) => (node.missingLeft ? 1 : 0))));
    const left = binary('ADD', `${p}_left`, binary('MUL', `${p}_pl`, m, binary('SUB', `${p}_d`, goesLeft, ml, [N, I]), [N, I]), ml, [N, I]);
    const s = fc(`${p}_s`, left, C, L, I);
    const hit = select(`${p}_hit`, compare('LESS', `${p}_miss`, s, e.constant(`${p}_D`, [L], D), [N, L]), zero, one, [N, L]);
    const out = fc(`${p}_out`, hit, f32(t.leaves.map((leaf) => leaf.value)), 1, L);
    sum = sum < 0 ? out : binary('ADD', `${p}_sum`, sum, out, [N, 1]);
  });
  const result = e.tensor(y, 'float32', [N, 1]);
  e.emit('ADD', [sum < 0 ? zero : sum, scalar(`${y}_base`, constant)], [result], { kind: 'add', activation: 'NONE' });
}
