// Seeded PRNG (mulberry32) for reproducible init, masks and synthetic data.
// Written here rather than taken from a package: it is a dozen lines, and a dependency could change its stream between versions.

/** Returns a generator of uniform floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by Box-Muller on a uniform source. */
export function normal(rand: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = 1 - rand(); // (0, 1]: log stays finite
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** Inverted-dropout mask of n cells: 0 with probability p, else 1/(1-p), drawn from `rand` (seeded: same seed, same masks). */
export function dropoutMask(rand: () => number, n: number, p: number): Float32Array {
  const m = new Float32Array(n);
  const keep = 1 / (1 - p);
  for (let i = 0; i < n; i++) m[i] = rand() < p ? 0 : keep;
  return m;
}
