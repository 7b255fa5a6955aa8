// The supervised detector: MLP(s) on the preprocessed + derived features, class-weighted BCE, Platt scaling folded into the exported graph.
import type { AdamConfig } from '../graph/adam.ts';
import { Graph, type T } from '../graph/graph.ts';
import { type Activation, type MlpSpec, dropoutLayers, mlpForward, mlpParams, names } from '../graph/mlp.ts';
import { type DerivedSpec, concatRows, derived, derivedGraph, derivedWidth } from './derived.ts';
import { type PreprocessSpec, preprocess, preprocessGraph } from './preprocess.ts';
import { type TrainStepGraph, bceRef, declareState, finishTrainStep, mlpForwardRef } from './train-graph.ts';

export interface ClassifierArch {
  hidden: number[];
  activation: Activation;
  dropout: number;
}

/** Platt scaling: p = sigmoid(a * logit + b), fitted on validation logits. */
export interface Platt {
  a: number;
  b: number;
}

export function classifierMlp(nFeatures: number, a: ClassifierArch): MlpSpec {
  const sizes = [nFeatures, ...a.hidden, 1];
  const activations: Activation[] = [...a.hidden.map(() => a.activation), 'sigmoid'];
  return { sizes, activations, dropout: a.dropout > 0 ? a.hidden.map(() => a.dropout) : undefined };
}

/** What the exported classifier computes from: preprocessing, optional derived features, K member MLPs (logits averaged), Platt. */
export interface ClassifierModel {
  pre: PreprocessSpec;
  mlp: MlpSpec;
  /** The parameters of the first (or only) member. */
  params: readonly Float32Array[];
  platt: Platt;
  derived?: DerivedSpec;
  /** Every member's parameters (an ensemble); when absent the model is `params` alone. */
  members?: readonly (readonly Float32Array[])[];
}

/**
 * Train step: inputs x [B, F] preprocessed, target [B, 1] labels, weight [B, 1] class weights, mask:<l>;
 * loss = mean(w · BCE) + weightDecay/2 · Σ‖W‖² (weights only, not biases).
 */
export function buildClassifierTrainStep(o: { mlp: MlpSpec; batch: number; adam?: Partial<AdamConfig>; weightDecay?: number }): TrainStepGraph {
  const F = o.mlp.sizes[0] as number;
  const g = new Graph('float32');
  const infos = mlpParams(o.mlp);
  const x = g.input(names.x(0), [o.batch, F]);
  const target = g.input(names.target(0), [o.batch, 1]);
  const weight = g.input('weight', [o.batch, 1]);
  const drops = dropoutLayers(o.mlp);
  const masks = new Map<number, T>(drops.map((d) => [d.layer, g.input(names.mask(d.layer), [o.batch, d.width])]));
  const st = declareState(g, infos);
  const z = mlpForward(g, x, st.ps, o.mlp, { masks, skipLast: true });
  const per = g.add(g.sub(g.relu(z), g.mul(z, target)), g.log1p(g.exp(g.neg(g.abs(z)))));
  let loss = g.reduceMean(g.mul(per, weight));
  const wd = o.weightDecay ?? 0;
  if (wd > 0) {
    infos.forEach((info, i) => {
      const p = st.ps[i] as T;
      if (info.kind === 'weight') loss = g.add(loss, g.scale(g.reduceSum(g.mul(p, p)), wd / 2));
    });
  }
  finishTrainStep(g, infos, st, loss, o.adam);
  return { bytes: g.toBytes('dfp_classifier_train'), params: infos, dropout: drops };
}

/** Logits of preprocessed rows (no Platt), parameters as inputs p:*: validation and calibration. Output logit [N]. */
export function buildClassifierLogits(o: { mlp: MlpSpec }): Uint8Array {
  const g = new Graph('float32');
  const x = g.input('x', ['N', o.mlp.sizes[0] as number]);
  const ps = mlpParams(o.mlp).map((info) => g.input(names.param(info.name), info.shape));
  g.output(g.reduceSum(mlpForward(g, x, ps, o.mlp, { skipLast: true }), [1]), 'logit');
  return g.toBytes('dfp_classifier_logits');
}

function activate(g: Graph, x: T, a: Activation): T {
  if (a === 'relu') return g.relu(x);
  if (a === 'sigmoid') return g.sigmoid(x);
  if (a === 'tanh') return g.tanh(x);
  return x;
}

/**
 * Logits [N, 1] of one member on input blocks that together are its input vector: the first layer is split by rows
 * (Σ_b block_b · W0[rows_b] + b0) so the blocks never need concatenating in-graph.
 */
function memberLogit(g: Graph, blocks: readonly { t: T; width: number }[], params: readonly Float32Array[], mlp: MlpSpec): T {
  const infos = mlpParams(mlp);
  const H = mlp.sizes[1] as number;
  const W0 = params[0] as Float32Array;
  let row = 0;
  let h: T | undefined;
  for (const b of blocks) {
    const w = g.constant(W0.subarray(row * H, (row + b.width) * H), [b.width, H]);
    h = h ? g.add(h, g.matmul(b.t, w)) : g.gemm(b.t, w, g.constant(params[1] as Float32Array, [H]));
    row += b.width;
  }
  const L = mlp.sizes.length - 1;
  if (L === 1) return h as T;
  h = activate(g, h as T, mlp.activations[0] as Activation);
  const rest: MlpSpec = { sizes: mlp.sizes.slice(1), activations: mlp.activations.slice(1) };
  const ps = infos.slice(2).map((info, i) => g.constant(params[i + 2] as Float32Array, info.shape));
  return mlpForward(g, h, ps, rest, { skipLast: true });
}

/** The exported model: input `x` float32 [N, F] raw features; output `score` [N], the calibrated malware probability. */
export function buildClassifierInference(o: ClassifierModel): Uint8Array {
  const g = new Graph('float32');
  const x = g.input('x', ['N', o.pre.columns.length]);
  g.output(g.reduceSum(classifierProbability(g, x, o), [1]), 'score');
  return g.toBytes('dfp_classifier');
}

/** The calibrated malware probability [N, 1] of raw rows `x` [N, F], added to `g` (the blend detector adds two). */
export function classifierProbability(g: Graph, x: T, o: ClassifierModel): T {
  const blocks = [{ t: preprocessGraph(g, x, o.pre), width: o.pre.columns.length }];
  if (o.derived) {
    const d = o.derived;
    const widths = [d.share.length, d.used.length].filter((w) => w > 0);
    derivedGraph(g, x, o.pre, d).forEach((t, i) => blocks.push({ t, width: widths[i] as number }));
  }
  const members = o.members ?? [o.params];
  const logits = members.map((p) => memberLogit(g, blocks, p, o.mlp));
  // Members' logits are averaged before Platt scaling, so calibration sees the ensemble as one model.
  let logit = logits.reduce((a, b) => g.add(a, b));
  if (members.length > 1) logit = g.scale(logit, 1 / members.length);
  const cal = g.add(g.mul(logit, g.scalar(o.platt.a)), g.scalar(o.platt.b));
  return g.sigmoid(cal);
}

/** The MLP input of raw rows: preprocessed columns, then the derived features when the model has them. */
export function classifierInput(pre: PreprocessSpec, d: DerivedSpec | undefined, raw: Float32Array): Float32Array {
  const z = preprocess(pre, raw);
  const W = derivedWidth(d);
  return d && W > 0 ? concatRows(z, pre.columns.length, derived(pre, d, raw), W) : z;
}

/** Plain-TypeScript scoring of raw rows: the parity reference for the exported graph. */
export function classifierReference(o: ClassifierModel, raw: Float32Array): Float64Array {
  const input = classifierInput(o.pre, o.derived, raw);
  const members = o.members ?? [o.params];
  const logits = new Float64Array(raw.length / o.pre.columns.length);
  for (const p of members) mlpForwardRef(o.mlp, p, input, true).forEach((l, i) => (logits[i] = (logits[i] as number) + l / members.length));
  return logits.map((l) => 1 / (1 + Math.exp(-(Math.fround(o.platt.a) * l + Math.fround(o.platt.b)))));
}

/** Mean BCE of logits against labels (validation loss). */
export function meanBce(logits: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < logits.length; i++) s += bceRef(logits[i] as number, labels[i] as number);
  return s / Math.max(1, logits.length);
}
