// Test support: small ONNX graphs for the exporters, built with dfp's Graph builder or as raw ModelSpecs for ops it has no helper for.
import { type T, Graph, OPSET, IR_VERSION, encodeModel, initParams, mlpForward, mlpParams, type MlpSpec } from '../../core/ml/index.ts';
import type { DType } from '../../core/ml/index.ts';

type Dim = number | string;
export interface RawNode { op: string; inputs: string[]; output: string; attrs?: Record<string, number | { int: number } | { ints: number[] }> }

/** A model from hand-written nodes: one float input x [N, width], float32/int64 initializers, named outputs. */
export function rawModel(o: {
  width: number;
  nodes: RawNode[];
  consts?: Record<string, { dims: number[]; values: number[]; dtype?: DType }>;
  outputs: Record<string, Dim[]>;
}): Uint8Array {
  const initializers = Object.entries(o.consts ?? {}).map(([name, c]) => {
    const dtype = c.dtype ?? 'float32';
    const data = dtype === 'int64' ? new Uint8Array(BigInt64Array.from(c.values.map(BigInt)).buffer) : new Uint8Array(Float32Array.from(c.values).buffer);
    return { name, dtype, dims: c.dims, data };
  });
  return encodeModel({
    nodes: o.nodes.map((n) => ({ opType: n.op, inputs: n.inputs, outputs: [n.output], attrs: n.attrs })),
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', o.width] }],
    outputs: Object.entries(o.outputs).map(([name, shape]) => ({ name, dtype: 'float32' as const, shape })),
    initializers,
    opset: OPSET,
    irVersion: IR_VERSION,
    graphName: 'dfp_test',
  });
}

/** A graph on x [N, width] built with the Graph builder; `body` returns the named outputs. */
export function builderModel(width: number, body: (g: Graph, x: T) => Record<string, T>): Uint8Array {
  const g = new Graph('float32');
  const x = g.input('x', ['N', width]);
  for (const [name, t] of Object.entries(body(g, x))) g.output(t, name);
  return g.toBytes('dfp_test');
}

function mlp(g: Graph, z: T, spec: MlpSpec, seed: number, opts: { skipLast?: boolean } = {}): T {
  const infos = mlpParams(spec);
  const ps = initParams(infos, seed).map((v, i) => g.constant(v, (infos[i] as { shape: number[] }).shape));
  return mlpForward(g, z, ps, spec, opts);
}

/** Raw counts in, log1p on count columns, (x - mean) * inv_std, the rest (x - mean) / std: the dfp preprocessing shape. */
function preprocess(g: Graph, x: T, width: number): T {
  // Columns j % 5 == 0 are 0/1 flags (as sampleRows makes them), the rest heavy-tailed counts.
  const isCount = g.constant(Array.from({ length: width }, (_, j) => (j % 5 !== 0 ? 1 : 0)), [width], 'bool');
  const mean = g.constant(Array.from({ length: width }, (_, j) => 0.5 + 0.1 * j), [width]);
  const invStd = g.constant(Array.from({ length: width }, (_, j) => 1 / (1 + 0.2 * j)), [width]);
  const std = g.constant(Array.from({ length: width }, (_, j) => 0.7 + 0.05 * j), [width]);
  const logged = g.where(isCount, g.log1p(x), x);
  const centered = g.sub(logged, mean);
  return g.where(isCount, g.mul(centered, invStd), g.div(centered, std));
}

/** Preprocessing + MLP autoencoder: outputs score [N] (weighted mean of errors) and feature_error [N, F] (squared / BCE parts). */
export function autoencoderModel(width: number, activation: 'relu' | 'tanh' | 'sigmoid' = 'relu'): Uint8Array {
  return builderModel(width, (g, x) => {
    const z = preprocess(g, x, width);
    const spec: MlpSpec = { sizes: [width, 8, 3, 8, width], activations: [activation, activation, activation, 'linear'] };
    const out = mlp(g, z, spec, 11);
    const d = g.sub(out, z);
    const sq = g.mul(d, d);
    // BCE-on-logits parts for the "binary" columns, against a 0/1 flag of the input.
    const flag = g.where(g.greater(x, g.scalar(0.5)), g.scalar(1), g.scalar(0));
    const bce = g.add(g.sub(g.relu(out), g.mul(out, flag)), g.log1p(g.exp(g.neg(g.abs(out)))));
    const isBin = g.constant(Array.from({ length: width }, (_, j) => (j % 5 === 0 ? 1 : 0)), [width], 'bool');
    const e = g.where(isBin, bce, sq);
    const w = g.constant(Array.from({ length: width }, (_, j) => 1 + (j % 2)), [width]);
    return { score: g.reduceMean(g.mul(e, w), [1]), feature_error: e };
  });
}

/** Preprocessing + MLP classifier with Platt scaling a * logit + b: output score [N, 1] probability. */
export function classifierModel(width: number): Uint8Array {
  return builderModel(width, (g, x) => {
    const z = preprocess(g, x, width);
    const spec: MlpSpec = { sizes: [width, 16, 8, 1], activations: ['relu', 'tanh', 'sigmoid'] };
    const logit = mlp(g, z, spec, 5, { skipLast: true });
    return { score: g.sigmoid(g.add(g.mul(logit, g.scalar(1.7)), g.scalar(-0.3))) };
  });
}
