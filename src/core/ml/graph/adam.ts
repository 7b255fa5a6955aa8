// Adam update emitted as graph ops (PyTorch semantics, bias-corrected, no weight decay), with the step count as an input.
import type { Graph, T } from './graph.ts';

export interface AdamConfig { beta1: number; beta2: number; eps: number }
export const ADAM_DEFAULTS: AdamConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** Scalars shared by every parameter's update for one step: step size and the rescaled epsilon. */
export interface AdamScalars { stepSize: T; epsHat: T }

/**
 * PyTorch: m = b1 m + (1-b1) g, v = b2 v + (1-b2) g², p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps), bc_i = 1 - beta_i^t.
 * The graph keeps the moments scaled, u = m/(1-b1) and w = v/(1-b2), so each update is u = b1 u + g and w = b2 w + g²
 * (two fewer full-size ops per parameter), and p -= S * u / (sqrt(w) + E) with
 * S = lr (1-b1) sqrt(bc2) / (bc1 sqrt(1-b2)) and E = eps sqrt(bc2) / sqrt(1-b2): the same value as PyTorch's.
 */
export function adamScalars(g: Graph, step: T, lr: T, cfg: AdamConfig): AdamScalars {
  const one = g.scalar(1);
  const bc1 = g.sub(one, g.pow(g.scalar(cfg.beta1), step));
  const sqrtBc2 = g.sqrt(g.sub(one, g.pow(g.scalar(cfg.beta2), step)));
  const k = (1 - cfg.beta1) / Math.sqrt(1 - cfg.beta2);
  return { stepSize: g.div(g.mul(lr, g.scale(sqrtBc2, k)), bc1), epsHat: g.scale(sqrtBc2, cfg.eps / Math.sqrt(1 - cfg.beta2)) };
}

/** One Adam update for one parameter on scaled moments (see adamScalars); returns the new parameter and moments. */
export function adamUpdate(g: Graph, p: T, grad: T, m: T, v: T, s: AdamScalars, cfg: AdamConfig): { p: T; m: T; v: T } {
  const m2 = g.add(g.scale(m, cfg.beta1), grad);
  const v2 = g.add(g.scale(v, cfg.beta2), g.mul(grad, grad));
  const upd = g.mul(g.div(m2, g.add(g.sqrt(v2), s.epsHat)), s.stepSize);
  return { p: g.sub(p, upd), m: m2, v: v2 };
}
