// Shared helpers of the online stores: the column positions of requested features within a stored
// layout, cached because a server asks for the same feature lists over and over.
import { createHash } from 'node:crypto';

/** Short stable id of a feature list (its order matters: values are stored positionally). */
export function layoutId(features: readonly string[]): string {
  return createHash('sha256').update(features.join('\u0000')).digest('hex').slice(0, 16);
}

/** For each requested feature, its index in `stored`, or -1 when the layout lacks it. */
export function positions(stored: readonly string[], requested: readonly string[]): Int32Array {
  const index = new Map(stored.map((f, i) => [f, i]));
  const out = new Int32Array(requested.length);
  for (let i = 0; i < requested.length; i++) out[i] = index.get(requested[i]!) ?? -1;
  return out;
}

/** True when `requested` is exactly `stored`, so a stored row can be returned without copying. */
export function isIdentity(pos: Int32Array, storedLength: number): boolean {
  if (pos.length !== storedLength) return false;
  for (let i = 0; i < pos.length; i++) if (pos[i] !== i) return false;
  return true;
}
