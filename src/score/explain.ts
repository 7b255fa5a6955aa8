// Top-k features of autoencoder rows, the same ranking as core's explainRow (|z| descending, then name),
// for a whole batch: z in one typed-array pass, then a k-slot partial selection per row, and the JSON
// written straight as its CSV field. Batch scoring runs this for every row, so no per-feature objects.
import type { ErrorStats } from '../core/ml/models/explain.ts';

/** CSV-quoted text: every `"` doubled (the field itself is wrapped by the caller). */
const csvQuote = (s: string) => s.replace(/"/g, '""');

export class Explainer {
  /** Active feature indices in name order: scanning in this order and admitting only strictly larger |z| breaks ties by name. */
  private readonly cols: Int32Array;
  private readonly mean: Float64Array;
  private readonly std: Float64Array;
  /** Per active column: `{""name"":""X"",""z"":`, the JSON object's head already CSV-quoted. */
  private readonly heads: string[];
  private z = new Float64Array(0);
  private readonly F: number;

  constructor(
    stats: ErrorStats,
    columns: readonly string[],
    active: readonly boolean[],
    private readonly k: number,
  ) {
    const idx = columns.flatMap((_, j) => (active[j] ? [j] : [])).sort((a, b) => (columns[a] as string).localeCompare(columns[b] as string));
    this.F = columns.length;
    this.cols = Int32Array.from(idx);
    this.mean = Float64Array.from(idx, (j) => stats.mean[j] as number);
    this.std = Float64Array.from(idx, (j) => stats.std[j] as number);
    this.heads = idx.map((j) => csvQuote(`{"name":${JSON.stringify(columns[j])},"z":`));
  }

  /** One CSV field per row of `errors` (row-major [n, F]): the top-k JSON array, quoted. */
  csvFields(errors: Float32Array, n: number): string[] {
    const { cols, mean, std, heads, F } = this;
    const A = cols.length;
    const k = Math.min(this.k, A);
    if (this.z.length < n * A) this.z = new Float64Array(n * A);
    const z = this.z;
    for (let i = 0, at = 0; i < n; i++) {
      const row = i * F;
      for (let a = 0; a < A; a++, at++) z[at] = ((errors[row + (cols[a] as number)] as number) - (mean[a] as number)) / (std[a] as number);
    }
    const out = new Array<string>(n);
    if (k <= 0) return out.fill('[]');
    const top = new Int32Array(k);
    const mag = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const base = i * A;
      let len = 0;
      for (let a = 0; a < A; a++) {
        const m = Math.abs(z[base + a] as number);
        if (len === k && !(m > (mag[k - 1] as number))) continue;
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
      let s = '"[';
      for (let r = 0; r < len; r++) {
        const a = top[r] as number;
        const v = Math.round((z[base + a] as number) * 1e4) / 1e4;
        s += `${r ? ',' : ''}${heads[a]}${Number.isFinite(v) ? v : 'null'}}`;
      }
      out[i] = `${s}]"`;
    }
    return out;
  }
}
