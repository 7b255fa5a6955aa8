// Shared pieces of dfp's custom train-step graphs: parameter/moment inputs, Adam updates and the output names.
import { ADAM_DEFAULTS, type AdamConfig, adamScalars, adamUpdate } from '../graph/adam.ts';
import type { Graph, T } from '../graph/graph.ts';
import { type Activation, type MlpSpec, type ParamInfo, mlpParams, names } from '../graph/mlp.ts';

/** A train-step graph: feed x/target/… by name plus p:*, m:*, v:*, step, lr; fetch loss and the new state. */
export interface TrainStepGraph {
  bytes: Uint8Array;
  params: ParamInfo[];
  /** Dropout layers whose mask is an input `mask:<layer>`. */
  dropout: { layer: number; p: number; width: number }[];
}

export interface State {
  ps: T[];
  ms: T[];
  vs: T[];
}

export function declareState(g: Graph, infos: readonly ParamInfo[]): State {
  return {
    ps: infos.map((p) => g.input(names.param(p.name), p.shape)),
    ms: infos.map((p) => g.input(names.m(p.name), p.shape)),
    vs: infos.map((p) => g.input(names.v(p.name), p.shape)),
  };
}

/** Adds gradients of `loss`, one Adam step and the outputs loss, p:*:new, m:*:new, v:*:new. */
export function finishTrainStep(g: Graph, infos: readonly ParamInfo[], st: State, loss: T, adam?: Partial<AdamConfig>): void {
  const cfg: AdamConfig = { ...ADAM_DEFAULTS, ...adam };
  const step = g.input('step', []);
  const lr = g.input('lr', []);
  const grads = g.grad(loss, st.ps);
  const s = adamScalars(g, step, lr, cfg);
  g.output(loss, 'loss');
  infos.forEach((info, i) => {
    const u = adamUpdate(g, st.ps[i] as T, grads[i] as T, st.ms[i] as T, st.vs[i] as T, s, cfg);
    g.output(u.p, names.newParam(info.name));
    g.output(u.m, names.newM(info.name));
    g.output(u.v, names.newV(info.name));
  });
}

/** Element-wise loss: BCE on logits where `isBin`, squared error elsewhere. */
export function elementLoss(g: Graph, out: T, target: T, isBin: T): T {
  const d = g.sub(out, target);
  const sq = g.mul(d, d);
  const bce = g.add(g.sub(g.relu(out), g.mul(out, target)), g.log1p(g.exp(g.neg(g.abs(out)))));
  return g.where(isBin, bce, sq);
}

/** Element-wise BCE on logits, the same formula in plain TypeScript. */
export function bceRef(z: number, t: number): number {
  return Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
}

/** Dense forward pass in float64 (weights [in, out]); `skipLast` leaves the final activation off. */
export function mlpForwardRef(spec: MlpSpec, params: readonly Float32Array[], x: Float32Array | Float64Array, skipLast = false): Float64Array {
  const rows = x.length / (spec.sizes[0] as number);
  let h = Float64Array.from(x);
  const L = spec.sizes.length - 1;
  for (let l = 0; l < L; l++) {
    const nIn = spec.sizes[l] as number;
    const nOut = spec.sizes[l + 1] as number;
    const W = params[2 * l] as Float32Array;
    const b = params[2 * l + 1] as Float32Array;
    const act: Activation = l === L - 1 && skipLast ? 'linear' : (spec.activations[l] as Activation);
    const next = new Float64Array(rows * nOut);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < nOut; j++) {
        let s = b[j] as number;
        for (let i = 0; i < nIn; i++) s += (h[r * nIn + i] as number) * (W[i * nOut + j] as number);
        if (act === 'relu') s = Math.max(0, s);
        else if (act === 'sigmoid') s = 1 / (1 + Math.exp(-s));
        else if (act === 'tanh') s = Math.tanh(s);
        next[r * nOut + j] = s;
      }
    }
    h = next;
  }
  return h;
}

export { mlpParams };
