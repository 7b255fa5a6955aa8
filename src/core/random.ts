/**
 * @module A seeded pseudo-random generator (mulberry32). Written here rather than taken from a package
 * because it is ten lines, has no dependencies, and dfp needs the exact same stream on every platform
 * for reproducible synthetic data, splits and weight initialisation.
 */

export type Random = () => number;

/** Uniform floats in [0, 1) from a 32-bit seed. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks from weighted choices; weights need not sum to 1. */
export function weightedPick<T>(random: Random, choices: readonly (readonly [T, number])[]): T {
  const total = choices.reduce((s, [, w]) => s + w, 0);
  let u = random() * total;
  for (const [value, weight] of choices) {
    u -= weight;
    if (u < 0) return value;
  }
  return choices[choices.length - 1]![0];
}
