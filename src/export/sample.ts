// Deterministic sample rows for parity checks: KronoDroid-like non-negative counts, 0/1 flags and a few zeros.
import { mulberry32 } from '../core/ml/index.ts';

/** rows x width float32, row-major; heavy-tailed so log1p and standardisation see realistic ranges. */
export function sampleRows(rows: number, width: number, seed = 7): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(rows * width);
  for (let i = 0; i < out.length; i++) {
    const u = rand();
    const col = i % width;
    out[i] = col % 5 === 0 ? (u > 0.5 ? 1 : 0) : u < 0.2 ? 0 : Math.floor(Math.exp(u * 8));
  }
  return out;
}
