// Train/validation/test splits: time-aware (test on the latest months) or stratified random, both seeded and reproducible.
import { DfpError } from '../core/errors.ts';
import { mulberry32 } from '../core/ml/prng.ts';
import type { Dataset } from './data.ts';

export interface SplitOptions {
  kind: 'time' | 'stratified';
  /** time: first test month YYYY-MM; default: the last `testMonths` months present. */
  testFrom?: string;
  testMonths: number;
  testFraction: number;
  validationFraction: number;
  seed: number;
  /** time: train on only the latest this many months before the test months (retrain.window; 0 or absent = all). */
  trainWindow?: number;
}

export interface Split {
  train: number[];
  validation: number[];
  test: number[];
  /** Months whose rows may be in train/validation, and months held out for test (time split). */
  trainMonths: string[];
  testMonths: string[];
}

/**
 * time: rows of months >= the first test month are test; the earlier months (the latest `trainWindow` of them, when
 * set) are shuffled per class into train/validation. Rows without a month cannot be placed in time and are left out (never train on an unknown date).
 */
export function splitRows(d: Dataset, o: SplitOptions): Split {
  const rand = mulberry32(o.seed >>> 0);
  if (o.kind === 'stratified') {
    const all = Array.from({ length: d.n }, (_, i) => i);
    const [rest, test] = stratified(all, d.y, o.testFraction, rand);
    const [train, validation] = stratified(rest, d.y, o.validationFraction, rand);
    return { train, validation, test, trainMonths: [], testMonths: [] };
  }
  const months = [...new Set(d.month.filter((m): m is string => m !== null))].sort();
  if (months.length < 2) throw new DfpError('INPUT_INVALID', `a time split needs at least two months with data, found ${months.length}; use train.split=stratified`);
  const first = firstTestMonth(months, o.testFrom, o.testMonths);
  const before = months.filter((m) => m < first);
  const trainMonths = o.trainWindow ? before.slice(-o.trainWindow) : before;
  const testMonths = months.filter((m) => m >= first);
  if (trainMonths.length === 0 || testMonths.length === 0) {
    throw new DfpError('CONFIG_INVALID', `train.test_from=${first} leaves no ${trainMonths.length === 0 ? 'training' : 'test'} months (data spans ${months[0]}..${months[months.length - 1]})`, { key: 'train.test_from' });
  }
  const early: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < d.n; i++) {
    const m = d.month[i];
    if (m === null || m === undefined) continue;
    if (m >= first) test.push(i);
    else if (m >= trainMonths[0]!) early.push(i);
  }
  const [train, validation] = stratified(early, d.y, o.validationFraction, rand);
  return { train, validation, test, trainMonths, testMonths };
}

/** The first test month of a time split: `testFrom`, else the start of the last `testMonths` of the sorted `months` (one always stays for training). */
export function firstTestMonth(months: readonly string[], testFrom: string | undefined, testMonths: number): string {
  return testFrom ?? months[Math.max(1, months.length - testMonths)]!;
}

/** Splits `idx` into [kept, held] with `fraction` of each class held out (at least one per class when it has two). */
export function stratified(idx: number[], y: Uint8Array, fraction: number, rand: () => number): [number[], number[]] {
  const kept: number[] = [];
  const held: number[] = [];
  for (const cls of [0, 1]) {
    const rows = shuffle(idx.filter((i) => y[i] === cls), rand);
    const h = rows.length >= 2 ? Math.max(1, Math.round(rows.length * fraction)) : 0;
    held.push(...rows.slice(0, h));
    kept.push(...rows.slice(h));
  }
  return [kept.sort((a, b) => a - b), held.sort((a, b) => a - b)];
}

export function shuffle<V>(a: V[], rand: () => number): V[] {
  const out = [...a];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as V, out[i] as V];
  }
  return out;
}

/** The rows of `idx` as a new Dataset (copies). */
export function subset(d: Dataset, idx: readonly number[]): Dataset {
  const F = d.x.length / Math.max(1, d.n);
  const x = new Float32Array(idx.length * F);
  idx.forEach((r, k) => x.set(d.x.subarray(r * F, (r + 1) * F), k * F));
  return {
    n: idx.length,
    x,
    y: Uint8Array.from(idx, (r) => d.y[r] as number),
    sha256: idx.map((r) => d.sha256[r] as string),
    month: idx.map((r) => d.month[r] ?? null),
    family: idx.map((r) => d.family[r] ?? null),
    category: idx.map((r) => d.category[r] ?? null),
  };
}

/** `a`'s rows then `b`'s, as one Dataset (copies). */
export function concatDatasets(a: Dataset, b: Dataset): Dataset {
  const x = new Float32Array(a.x.length + b.x.length);
  x.set(a.x);
  x.set(b.x, a.x.length);
  const y = new Uint8Array(a.n + b.n);
  y.set(a.y);
  y.set(b.y, a.n);
  return { n: a.n + b.n, x, y, sha256: [...a.sha256, ...b.sha256], month: [...a.month, ...b.month], family: [...a.family, ...b.family], category: [...a.category, ...b.category] };
}
