// Top-k features of one autoencoder row, the same ranking as core's explainRow (|z| descending, then name)
// without building and sorting an object per feature: batch scoring runs this for every row.
import type { ErrorStats } from '../core/ml/models/explain.ts';

export interface TopFeature {
  name: string;
  z: number;
}

export function topFeatures(errors: Float32Array, offset: number, stats: ErrorStats, columns: readonly string[], active: readonly boolean[], k: number): TopFeature[] {
  const idx: number[] = [];
  const zs: number[] = [];
  const before = (za: number, ja: number, zb: number, jb: number) => za > zb || (za === zb && (columns[ja] as string).localeCompare(columns[jb] as string) < 0);
  for (let j = 0; j < columns.length; j++) {
    if (!active[j]) continue;
    const z = ((errors[offset + j] as number) - (stats.mean[j] as number)) / (stats.std[j] as number);
    const a = Math.abs(z);
    if (idx.length === k && !before(a, j, Math.abs(zs[k - 1] as number), idx[k - 1] as number)) continue;
    let p = Math.min(idx.length, k - 1);
    if (idx.length < k) {
      idx.push(j);
      zs.push(z);
    }
    // Insertion into the short sorted list.
    while (p > 0 && before(a, j, Math.abs(zs[p - 1] as number), idx[p - 1] as number)) {
      idx[p] = idx[p - 1] as number;
      zs[p] = zs[p - 1] as number;
      p--;
    }
    idx[p] = j;
    zs[p] = z;
  }
  return idx.map((j, i) => ({ name: columns[j] as string, z: Math.round((zs[i] as number) * 1e4) / 1e4 }));
}
