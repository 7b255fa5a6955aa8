// Test support: dfp's real exported inference graphs (src/core/ml/models) with fitted preprocessing and seeded weights.
import { FEATURE_COLUMNS } from '../../core/kronodroid/schema.ts';
import { initParams, mlpParams } from '../../core/ml/index.ts';
import {
  autoencoderMlp,
  buildAutoencoderInference,
  buildClassifierInference,
  classifierMlp,
  featureWeights,
  fitPreprocess,
} from '../../core/ml/models/index.ts';
import { sampleRows } from '../sample.ts';

export const F = FEATURE_COLUMNS.length;

/** Raw rows with a NaN (missing) and a negative (impossible) value, which preprocessing replaces by the fill. */
export function rawRows(n: number, seed: number): Float32Array {
  const x = sampleRows(n, F, seed);
  x[3] = NaN;
  x[F + 5] = -4;
  return x;
}

export function realAutoencoder(): Uint8Array {
  const pre = fitPreprocess(sampleRows(64, F, 1));
  const mlp = autoencoderMlp(F, { hidden: [32], latent: 8, activation: 'relu', dropout: 0 });
  const params = initParams(mlpParams(mlp), 3);
  return buildAutoencoderInference({ pre, mlp, weights: featureWeights(pre, { count: 1, binary: 0.5, numeric: 1 }), params });
}

export function realClassifier(): Uint8Array {
  const pre = fitPreprocess(sampleRows(64, F, 2));
  const mlp = classifierMlp(F, { hidden: [32, 16], activation: 'tanh', dropout: 0 });
  const params = initParams(mlpParams(mlp), 4);
  return buildClassifierInference({ pre, mlp, params, platt: { a: 1.3, b: -0.2 } });
}
