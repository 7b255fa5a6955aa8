// Adam update emitted as graph ops (PyTorch semantics, bias-corrected, no weight decay), with the step count as an input.
import type { Graph, T } from './graph.ts';

export interface AdamConfig { beta1: number; beta2: number; eps: number }
export const ADAM_DEFAULTS: AdamConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** Scalars shared by every parameter's update for one step: step size and the rescaled epsilon. */
export interface AdamScalars { stepSize: T; epsHat: T }

/**
 * PyTorch: p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps), bc_i = 1 - beta_i^t.
 * Multiplying through by sqrt(bc2) gives p -= (lr*sqrt(bc2)/bc1) * m / (sqrt(v) + eps*sqrt(bc2)):
 * the same value with one fewer full-size op per parameter.
 */
export function adamScalars(g: Graph, step: T, lr: T, cfg: AdamConfig): AdamScalars {
  const one = g.scalar(1);
  const bc1 = g.sub(one, g.pow(g.scalar(cfg.beta1), step));
  const sqrtBc2 = g.sqrt(g.sub(one, g.pow(g.scalar(cfg.beta2), step)));
  return { stepSize: g.div(g.mul(lr, sqrtBc2), bc1), epsHat: g.mul(g.scalar(cfg.eps), sqrtBc2) };
}

/** One Adam update for one parameter; returns the new parameter and moments. */
export function adamUpdate(g: Graph, p: T, grad: T, m: T, v: T, s: AdamScalars, cfg: AdamConfig): { p: T; m: T; v: T } {
  const m2 = g.add(g.scale(m, cfg.beta1), g.scale(grad, 1 - cfg.beta1));
  const v2 = g.add(g.scale(v, cfg.beta2), g.mul(g.scale(grad, 1 - cfg.beta2), grad));
  const upd = g.mul(g.div(m2, g.add(g.sqrt(v2), s.epsHat)), s.stepSize);
  return { p: g.sub(p, upd), m: m2, v: v2 };
}
