// Explanations of autoencoder scores: per-feature z-scores of the reconstruction error against benign validation rows.
export interface ErrorStats {
  /** Per-feature mean and standard deviation of the error on benign validation rows. */
  mean: number[];
  std: number[];
}

export interface Contribution {
  feature: string;
  z: number;
  error: number;
}

export interface Explanation {
  mean_abs_z: number;
  max_abs_z: number;
  top: Contribution[];
}

/** Std floor: a feature that is always reconstructed perfectly on benign rows must not turn a tiny error into z = 1e9. */
const MIN_STD = 1e-3;

export function errorStats(featureError: ArrayLike<number>, nFeatures: number, active: readonly boolean[]): ErrorStats {
  const n = featureError.length / nFeatures;
  const mean = new Array<number>(nFeatures).fill(0);
  const sq = new Array<number>(nFeatures).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < nFeatures; j++) {
      const e = featureError[i * nFeatures + j] as number;
      mean[j] = (mean[j] as number) + e;
      sq[j] = (sq[j] as number) + e * e;
    }
  }
  const std = mean.map((s, j) => {
    const m = s / Math.max(1, n);
    return active[j] ? Math.max(MIN_STD, Math.sqrt(Math.max(0, (sq[j] as number) / Math.max(1, n) - m * m))) : 1;
  });
  return { mean: mean.map((s) => s / Math.max(1, n)), std };
}

/** Explains one row's errors (length F): mean and max |z| over active features and the top-k by |z|. */
export function explainRow(errors: ArrayLike<number>, stats: ErrorStats, columns: readonly string[], active: readonly boolean[], topK: number): Explanation {
  let sum = 0;
  let max = 0;
  let count = 0;
  const all: Contribution[] = [];
  for (let j = 0; j < columns.length; j++) {
    if (!active[j]) continue;
    const e = errors[j] as number;
    const z = (e - (stats.mean[j] as number)) / (stats.std[j] as number);
    const a = Math.abs(z);
    sum += a;
    max = Math.max(max, a);
    count++;
    all.push({ feature: columns[j] as string, z, error: e });
  }
  all.sort((p, q) => Math.abs(q.z) - Math.abs(p.z) || p.feature.localeCompare(q.feature));
  return { mean_abs_z: count > 0 ? sum / count : 0, max_abs_z: max, top: all.slice(0, topK) };
}
