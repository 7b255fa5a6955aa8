// The fingerprint autoencoder (dfencoder-style): grouped losses, train-step and raw-input inference graphs, reference scoring.
import type { AdamConfig } from '../graph/adam.ts';
import { Graph, type T } from '../graph/graph.ts';
import { type Activation, type MlpSpec, dropoutLayers, mlpForward, mlpParams, names } from '../graph/mlp.ts';
import type { FeatureKind } from './features.ts';
import { type PreprocessSpec, preprocess, preprocessGraph } from './preprocess.ts';
import { type TrainStepGraph, bceRef, declareState, elementLoss, finishTrainStep, mlpForwardRef } from './train-graph.ts';

export interface AutoencoderArch {
  hidden: number[];
  latent: number;
  activation: Activation;
  /** Dropout after each encoder/decoder hidden layer (not the latent code, not the output). */
  dropout: number;
}

export type GroupWeights = Record<FeatureKind, number>;

export function autoencoderMlp(nFeatures: number, a: AutoencoderArch): MlpSpec {
  const sizes = [nFeatures, ...a.hidden, a.latent, ...[...a.hidden].reverse(), nFeatures];
  const L = sizes.length - 1;
  const activations: Activation[] = Array.from({ length: L }, (_, l) => (l === L - 1 ? 'linear' : a.activation));
  const hiddenLayers = L - 1;
  const latentLayer = a.hidden.length;
  const dropout = a.dropout > 0 ? Array.from({ length: hiddenLayers }, (_, l) => (l === latentLayer ? 0 : a.dropout)) : undefined;
  return { sizes, activations, dropout };
}

/**
 * Per-feature weight of the score: each group's weight spread evenly over its active features, so the score is a
 * weighted mean of the per-group mean losses whatever the group sizes.
 */
export function featureWeights(pre: PreprocessSpec, gw: GroupWeights): number[] {
  const counts: Record<FeatureKind, number> = { count: 0, binary: 0, numeric: 0 };
  pre.kinds.forEach((k, j) => {
    if (pre.active[j]) counts[k]++;
  });
  return pre.kinds.map((k, j) => (pre.active[j] && counts[k] > 0 ? Math.fround(gw[k] / counts[k]) : 0));
}

/** Train step: inputs x (noisy preprocessed rows), target (clean preprocessed rows), mask:<l>; loss = mean_i Σ_j w_j e_ij. */
export function buildAutoencoderTrainStep(o: { pre: PreprocessSpec; mlp: MlpSpec; weights: number[]; batch: number; adam?: Partial<AdamConfig> }): TrainStepGraph {
  const F = o.pre.columns.length;
  const g = new Graph('float32');
  const infos = mlpParams(o.mlp);
  const x = g.input(names.x(0), [o.batch, F]);
  const target = g.input(names.target(0), [o.batch, F]);
  const drops = dropoutLayers(o.mlp);
  const masks = new Map<number, T>(drops.map((d) => [d.layer, g.input(names.mask(d.layer), [o.batch, d.width])]));
  const st = declareState(g, infos);
  const out = mlpForward(g, x, st.ps, o.mlp, { masks });
  const isBin = g.constant(o.pre.kinds.map((k) => (k === 'binary' ? 1 : 0)), [F], 'bool');
  const e = elementLoss(g, out, target, isBin);
  const loss = g.reduceSum(g.mul(g.reduceMean(e, [0]), g.constant(o.weights, [F])));
  finishTrainStep(g, infos, st, loss, o.adam);
  return { bytes: g.toBytes('dfp_autoencoder_train'), params: infos, dropout: drops };
}

/**
 * The exported model: input `x` float32 [N, F] raw KronoDroid features (FEATURE_COLUMNS order); outputs `score` [N]
 * (weighted reconstruction loss) and `feature_error` [N, F] (per-feature loss, for z-scores and explanations).
 */
export function buildAutoencoderInference(o: { pre: PreprocessSpec; mlp: MlpSpec; weights: number[]; params: readonly Float32Array[] }): Uint8Array {
  const F = o.pre.columns.length;
  const g = new Graph('float32');
  const x = g.input('x', ['N', F]);
  const z = preprocessGraph(g, x, o.pre);
  const ps = mlpParams(o.mlp).map((info, i) => g.constant(o.params[i] as Float32Array, info.shape));
  const out = mlpForward(g, z, ps, o.mlp);
  const isBin = g.constant(o.pre.kinds.map((k) => (k === 'binary' ? 1 : 0)), [F], 'bool');
  const e = elementLoss(g, out, z, isBin);
  g.output(g.reduceSum(g.mul(e, g.constant(o.weights, [F])), [1]), 'score');
  g.output(e, 'feature_error');
  return g.toBytes('dfp_autoencoder');
}

/** Scoring of preprocessed rows with the parameters as inputs p:* (validation during training): outputs score, feature_error. */
export function buildAutoencoderEval(o: { pre: PreprocessSpec; mlp: MlpSpec; weights: number[] }): Uint8Array {
  const F = o.pre.columns.length;
  const g = new Graph('float32');
  const z = g.input('x', ['N', F]);
  const ps = mlpParams(o.mlp).map((info) => g.input(names.param(info.name), info.shape));
  const out = mlpForward(g, z, ps, o.mlp);
  const isBin = g.constant(o.pre.kinds.map((k) => (k === 'binary' ? 1 : 0)), [F], 'bool');
  const e = elementLoss(g, out, z, isBin);
  g.output(g.reduceSum(g.mul(e, g.constant(o.weights, [F])), [1]), 'score');
  g.output(e, 'feature_error');
  return g.toBytes('dfp_autoencoder_eval');
}

/** Plain-TypeScript scoring of raw rows (float64 after float32 preprocessing): the parity reference. */
export function autoencoderReference(o: { pre: PreprocessSpec; mlp: MlpSpec; weights: number[]; params: readonly Float32Array[] }, raw: Float32Array): { score: Float64Array; featureError: Float64Array } {
  const F = o.pre.columns.length;
  const z = preprocess(o.pre, raw);
  const out = mlpForwardRef(o.mlp, o.params, z);
  const n = raw.length / F;
  const score = new Float64Array(n);
  const featureError = new Float64Array(n * F);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < F; j++) {
      const t = z[i * F + j] as number;
      const y = out[i * F + j] as number;
      const e = o.pre.kinds[j] === 'binary' ? bceRef(y, t) : (y - t) * (y - t);
      featureError[i * F + j] = e;
      s += e * (o.weights[j] as number);
    }
    score[i] = s;
  }
  return { score, featureError };
}
