// Builds the train-step and inference ONNX graphs of a dense MLP / autoencoder from a small spec.
import { ADAM_DEFAULTS, type AdamConfig, adamScalars, adamUpdate } from './adam.ts';
import { type FloatType, Graph, type T } from './graph.ts';
import type { Dim } from './shape.ts';

export type Activation = 'relu' | 'sigmoid' | 'tanh' | 'linear';
export type LossKind = 'mse' | 'bce';

export interface MlpSpec {
  /** Layer widths, input first: [480, 256, 64, 256, 480]. */
  sizes: number[];
  /** One activation per layer (sizes.length - 1). With loss 'bce' the last must be 'sigmoid' (training uses logits). */
  activations: Activation[];
  /** Dropout probability after each hidden layer (sizes.length - 2 entries, 0 = none); masks are graph inputs. */
  dropout?: number[];
}

export interface ParamInfo {
  name: string;
  shape: number[];
  kind: 'weight' | 'bias';
  fanIn: number;
  fanOut: number;
  /** Activation of the layer it feeds, for He vs Glorot init. */
  activation: Activation;
}

/** Weights are [in, out] so the forward pass is a plain Gemm(x, W, b) and dW = Gemm(x, dY, transA). */
export function mlpParams(spec: MlpSpec): ParamInfo[] {
  validate(spec);
  const out: ParamInfo[] = [];
  for (let l = 0; l + 1 < spec.sizes.length; l++) {
    const fanIn = spec.sizes[l] as number;
    const fanOut = spec.sizes[l + 1] as number;
    const activation = spec.activations[l] as Activation;
    out.push({ name: `l${l}.W`, shape: [fanIn, fanOut], kind: 'weight', fanIn, fanOut, activation });
    out.push({ name: `l${l}.b`, shape: [fanOut], kind: 'bias', fanIn, fanOut, activation });
  }
  return out;
}

/** Layers whose output gets a dropout mask input (hidden layers with p > 0). */
export function dropoutLayers(spec: MlpSpec): { layer: number; p: number; width: number }[] {
  const res: { layer: number; p: number; width: number }[] = [];
  (spec.dropout ?? []).forEach((p, l) => {
    if (p > 0) res.push({ layer: l, p, width: spec.sizes[l + 1] as number });
  });
  return res;
}

function validate(spec: MlpSpec): void {
  if (spec.sizes.length < 2) throw new Error('an MLP needs at least an input and an output size');
  if (spec.activations.length !== spec.sizes.length - 1) throw new Error('need one activation per layer');
  if (spec.dropout && spec.dropout.length > spec.sizes.length - 2) throw new Error('dropout applies to hidden layers only');
  if ((spec.dropout ?? []).some((p) => p < 0 || p >= 1)) throw new Error('dropout must be in [0, 1)');
}

function activate(g: Graph, x: T, a: Activation): T {
  if (a === 'relu') return g.relu(x);
  if (a === 'sigmoid') return g.sigmoid(x);
  if (a === 'tanh') return g.tanh(x);
  return x;
}

/** Forward pass. `skipLast` leaves the final activation off (logits for BCE). `masks` maps layer index to a mask input. */
export function mlpForward(g: Graph, x: T, params: readonly T[], spec: MlpSpec, opts: { skipLast?: boolean; masks?: Map<number, T> } = {}): T {
  let h = x;
  const layers = spec.sizes.length - 1;
  for (let l = 0; l < layers; l++) {
    h = g.gemm(h, params[2 * l] as T, params[2 * l + 1] as T);
    const last = l === layers - 1;
    if (!(last && opts.skipLast)) h = activate(g, h, spec.activations[l] as Activation);
    const mask = opts.masks?.get(l);
    if (mask) h = g.dropout(h, mask);
  }
  return h;
}

export interface TrainGraphOptions {
  spec: MlpSpec;
  loss: LossKind;
  /** Fixed batch size (lets the loss scale be a constant) or a symbolic name. */
  batch: number | string;
  /** Autoencoder: the target is the input itself and there is no 'target' input. */
  autoencoder?: boolean;
  adam?: Partial<AdamConfig>;
  dtype?: FloatType;
  /**
   * Sequential Adam steps unrolled into one graph (default 1). Step k+1 reads step k's parameters inside the graph,
   * so K steps cost one run's fixed overhead and one copy-out of the state instead of K: the same math as K calls.
   */
  stepsPerRun?: number;
}

/** Names of a built graph's inputs and outputs, in the order a runner feeds and fetches them. */
export interface BuiltGraph {
  bytes: Uint8Array;
  inputs: string[];
  outputs: string[];
  params: ParamInfo[];
}

/** Train-step input/output names; stable so runners can address them without the builder. */
export const names = {
  param: (p: string) => `p:${p}`,
  m: (p: string) => `m:${p}`,
  v: (p: string) => `v:${p}`,
  newParam: (p: string) => `p:${p}:new`,
  newM: (p: string) => `m:${p}:new`,
  newV: (p: string) => `v:${p}:new`,
  /** Batch k of a run (k = 0 when stepsPerRun is 1 is still named "x"). */
  x: (k: number) => (k === 0 ? 'x' : `x:${k}`),
  target: (k: number) => (k === 0 ? 'target' : `target:${k}`),
  mask: (layer: number, k = 0) => (k === 0 ? `mask:${layer}` : `mask:${layer}:${k}`),
};

/**
 * Train step(s): inputs x, [target], [mask:l], then x:k, [target:k], [mask:l:k] for k = 1..K-1, then p:*, m:*, v:*,
 * step (1-based t of the first step, float scalar), lr (float scalar); outputs loss ([K], loss before each update),
 * p:*:new, m:*:new, v:*:new (state after the last step).
 */
export function buildTrainStep(o: TrainGraphOptions): BuiltGraph {
  const spec = o.spec;
  const K = o.stepsPerRun ?? 1;
  if (!Number.isInteger(K) || K < 1) throw new Error('stepsPerRun must be a positive integer');
  const infos = mlpParams(spec);
  const cfg: AdamConfig = { ...ADAM_DEFAULTS, ...o.adam };
  const g = new Graph(o.dtype ?? 'float32');
  const B: Dim = o.batch;
  const inW = spec.sizes[0] as number;
  const outW = spec.sizes[spec.sizes.length - 1] as number;
  if (o.autoencoder && inW !== outW) throw new Error('an autoencoder needs equal input and output widths');
  const lastAct = spec.activations[spec.activations.length - 1];
  if (o.loss === 'bce' && lastAct !== 'sigmoid') throw new Error("loss 'bce' needs a final 'sigmoid' (trained on logits)");

  const inputs: string[] = [];
  const batches = Array.from({ length: K }, (_, k) => {
    const x = g.input(names.x(k), [B, inW]);
    const target = o.autoencoder ? x : g.input(names.target(k), [B, outW]);
    const masks = new Map<number, T>();
    for (const d of dropoutLayers(spec)) masks.set(d.layer, g.input(names.mask(d.layer, k), [B, d.width]));
    inputs.push(names.x(k), ...(o.autoencoder ? [] : [names.target(k)]), ...[...masks.keys()].map((l) => names.mask(l, k)));
    return { x, target, masks };
  });
  let ps = infos.map((p) => g.input(names.param(p.name), p.shape));
  let ms = infos.map((p) => g.input(names.m(p.name), p.shape));
  let vs = infos.map((p) => g.input(names.v(p.name), p.shape));
  const step = g.input('step', []);
  const lr = g.input('lr', []);
  inputs.push(...infos.map((p) => names.param(p.name)), ...infos.map((p) => names.m(p.name)), ...infos.map((p) => names.v(p.name)));
  inputs.push('step', 'lr');

  const losses: T[] = [];
  batches.forEach(({ x, target, masks }, k) => {
    const out = mlpForward(g, x, ps, spec, { skipLast: o.loss === 'bce', masks });
    const loss = o.loss === 'bce' ? g.bceWithLogits(out, target) : g.mse(out, target);
    const grads = g.grad(loss, ps);
    losses.push(loss);
    const s = adamScalars(g, k === 0 ? step : g.add(step, g.scalar(k)), lr, cfg);
    const next = infos.map((_, i) => adamUpdate(g, ps[i] as T, grads[i] as T, ms[i] as T, vs[i] as T, s, cfg));
    ps = next.map((u) => u.p);
    ms = next.map((u) => u.m);
    vs = next.map((u) => u.v);
  });

  g.output(g.concat1d(losses), 'loss');
  const outs: string[] = ['loss'];
  infos.forEach((info, i) => {
    g.output(ps[i] as T, names.newParam(info.name));
    g.output(ms[i] as T, names.newM(info.name));
    g.output(vs[i] as T, names.newV(info.name));
    outs.push(names.newParam(info.name), names.newM(info.name), names.newV(info.name));
  });
  return { bytes: g.toBytes('dfp_train_step'), inputs, outputs: outs, params: infos };
}

/** Inference: inputs x [N, in] and p:*; output y [N, out] with the final activation applied (sigmoid for BCE nets). */
export function buildInference(o: { spec: MlpSpec; dtype?: FloatType }): BuiltGraph {
  const infos = mlpParams(o.spec);
  const g = new Graph(o.dtype ?? 'float32');
  const x = g.input('x', ['N', o.spec.sizes[0] as number]);
  const ps = infos.map((p) => g.input(names.param(p.name), p.shape));
  g.output(mlpForward(g, x, ps, o.spec), 'y');
  return { bytes: g.toBytes('dfp_inference'), inputs: ['x', ...infos.map((p) => names.param(p.name))], outputs: ['y'], params: infos };
}
