// Parameter initialisation: He (ReLU layers) or Glorot (others) uniform weights, zero biases, from a seed.
import type { ParamInfo } from './graph/mlp.ts';
import { mulberry32 } from './prng.ts';

/**
 * He-uniform bound sqrt(6/fanIn) keeps ReLU activations' variance; Glorot-uniform sqrt(6/(fanIn+fanOut)) suits
 * sigmoid/tanh/linear. Each parameter draws from its own stream (seed + index) so adding a layer leaves others intact.
 */
export function initParams(infos: readonly ParamInfo[], seed: number): Float32Array[] {
  return infos.map((p, i) => {
    const n = p.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n);
    if (p.kind === 'bias') return out;
    const bound = p.activation === 'relu' ? Math.sqrt(6 / p.fanIn) : Math.sqrt(6 / (p.fanIn + p.fanOut));
    const rand = mulberry32((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
    for (let k = 0; k < n; k++) out[k] = (2 * rand() - 1) * bound;
    return out;
  });
}
