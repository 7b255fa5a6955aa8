// Explanations of autoencoder scores: per-feature z-scores of the reconstruction error against the benign validation
// apps (error_stats), the top k by |z|, ties by feature name. One k-slot selection serves the API (objects per row) and
// batch scoring (each row's JSON written straight as its CSV field: no per-feature objects for millions of rows).
import type { Attribution, Explainer, RowOutputs, ScoreBatch } from './explainer.ts';

export interface ErrorStats {
  /** Per-feature mean and standard deviation of the error on benign validation rows. */
  mean: number[];
  std: number[];
}

/** Std floor: a feature that is always reconstructed perfectly on benign rows must not turn a tiny error into z = 1e9. */
const MIN_STD = 1e-3;

/** Training computes the stats once, on the benign validation rows' errors ([n, nFeatures] row-major). */
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

/** z-scores are reported to 4 decimals. */
const round = (v: number) => Math.round(v * 1e4) / 1e4;
/** CSV-quoted text: every `"` doubled (the field itself is wrapped by csvFields). */
const csvQuote = (s: string) => s.replace(/"/g, '""');

export class ReconstructionZ implements Explainer {
  readonly method = 'reconstruction_z';
  /** Active feature indices in name order: scanning in this order and admitting only strictly larger |z| breaks ties by name. */
  private readonly cols: Int32Array;
  private readonly names: string[];
  private readonly mean: Float64Array;
  private readonly std: Float64Array;
  /** Per active column: `{""name"":""X"",""z"":`, the JSON object's head already CSV-quoted. */
  private readonly heads: string[];
  private readonly width: number;
  private readonly k: number;
  // Scratch of one row: z per active column, then the top-k positions and their |z|.
  private readonly z: Float64Array;
  private readonly top: Int32Array;
  private readonly mag: Float64Array;

  constructor(stats: ErrorStats, columns: readonly string[], active: readonly boolean[], k: number) {
    const idx = columns.flatMap((_, j) => (active[j] ? [j] : [])).sort((a, b) => (columns[a] as string).localeCompare(columns[b] as string));
    this.width = columns.length;
    this.cols = Int32Array.from(idx);
    this.names = idx.map((j) => columns[j] as string);
    this.mean = Float64Array.from(idx, (j) => stats.mean[j] as number);
    this.std = Float64Array.from(idx, (j) => stats.std[j] as number);
    this.heads = idx.map((j) => csvQuote(`{"name":${JSON.stringify(columns[j])},"z":`));
    this.k = Math.max(0, Math.min(k, idx.length));
    this.z = new Float64Array(idx.length);
    this.top = new Int32Array(this.k);
    this.mag = new Float64Array(this.k);
  }

  /** Ranks the row at `offset` of `errors`: its top-k positions land in this.top (largest |z| first); returns how many. */
  private rank(errors: Float32Array, offset: number): number {
    const { cols, mean, std, z, top, mag, k } = this;
    let len = 0;
    for (let a = 0; a < cols.length; a++) {
      const v = ((errors[offset + (cols[a] as number)] as number) - (mean[a] as number)) / (std[a] as number);
      z[a] = v;
      const m = Math.abs(v);
      if (!(m === m)) continue; // a NaN error (should not happen) never ranks
      if (k === 0 || (len === k && !(m > (mag[k - 1] as number)))) continue;
      // Insert after every kept entry with |z| >= m: earlier names win ties.
      let p = len < k ? len++ : k - 1;
      while (p > 0 && m > (mag[p - 1] as number)) {
        mag[p] = mag[p - 1] as number;
        top[p] = top[p - 1] as number;
        p--;
      }
      mag[p] = m;
      top[p] = a;
    }
    return len;
  }

  fromOutputs(row: RowOutputs): Attribution[] {
    if (!row.errors) return [];
    const len = this.rank(row.errors, row.offset);
    const out = new Array<Attribution>(len);
    for (let r = 0; r < len; r++) {
      const a = this.top[r] as number;
      out[r] = { name: this.names[a] as string, value: round(this.z[a] as number) };
    }
    return out;
  }

  csvFields(batch: ScoreBatch, rows: number): string[] | undefined {
    const errors = batch.featureErrors;
    if (!errors) return undefined;
    const out = new Array<string>(rows);
    if (this.k === 0) return out.fill('[]');
    for (let i = 0; i < rows; i++) {
      const len = this.rank(errors, i * this.width);
      let s = '"[';
      for (let r = 0; r < len; r++) {
        const a = this.top[r] as number;
        const v = round(this.z[a] as number);
        s += `${r ? ',' : ''}${this.heads[a]}${Number.isFinite(v) ? v : 'null'}}`;
      }
      out[i] = `${s}]"`;
    }
    return out;
  }

  async explain(_x: Float32Array, row: RowOutputs): Promise<Attribution[]> {
    return this.fromOutputs(row);
  }
}
