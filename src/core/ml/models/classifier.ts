// The supervised detector: MLP on the preprocessed features, class-weighted BCE, Platt scaling folded into the exported graph.
import type { AdamConfig } from '../graph/adam.ts';
import { Graph, type T } from '../graph/graph.ts';
import { type Activation, type MlpSpec, dropoutLayers, mlpForward, mlpParams, names } from '../graph/mlp.ts';
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

/** Train step: inputs x [B, F] preprocessed, target [B, 1] labels, weight [B, 1] class weights, mask:<l>; loss = mean(w · BCE). */
export function buildClassifierTrainStep(o: { mlp: MlpSpec; batch: number; adam?: Partial<AdamConfig> }): TrainStepGraph {
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
  const loss = g.reduceMean(g.mul(per, weight));
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

/** The exported model: input `x` float32 [N, F] raw features; output `score` [N], the calibrated malware probability. */
export function buildClassifierInference(o: { pre: PreprocessSpec; mlp: MlpSpec; params: readonly Float32Array[]; platt: Platt }): Uint8Array {
  const g = new Graph('float32');
  const x = g.input('x', ['N', o.pre.columns.length]);
  const z = preprocessGraph(g, x, o.pre);
  const ps = mlpParams(o.mlp).map((info, i) => g.constant(o.params[i] as Float32Array, info.shape));
  const logit = mlpForward(g, z, ps, o.mlp, { skipLast: true });
  const cal = g.add(g.mul(logit, g.scalar(o.platt.a)), g.scalar(o.platt.b));
  g.output(g.reduceSum(g.sigmoid(cal), [1]), 'score');
  return g.toBytes('dfp_classifier');
}

/** Plain-TypeScript scoring of raw rows: the parity reference for the exported graph. */
export function classifierReference(o: { pre: PreprocessSpec; mlp: MlpSpec; params: readonly Float32Array[]; platt: Platt }, raw: Float32Array): Float64Array {
  const logits = mlpForwardRef(o.mlp, o.params, preprocess(o.pre, raw), true);
  return logits.map((l) => 1 / (1 + Math.exp(-(Math.fround(o.platt.a) * l + Math.fround(o.platt.b)))));
}

/** Mean BCE of logits against labels (validation loss). */
export function meanBce(logits: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < logits.length; i++) s += bceRef(logits[i] as number, labels[i] as number);
  return s / Math.max(1, logits.length);
}
