/**
 * @module Quantile bins: each feature's values mapped once to at most `maxBins` ordered bins, so training looks
 * at small integers instead of floats. Bin b holds the values v with upper[b-1] < v ≤ upper[b], where upper[b] is
 * the largest training value in the bin (a value the data holds, so a split threshold is exact in float32);
 * like LightGBM, a bin holds at least `minDataInBin` rows (default 3), so rare values do not each cost a bin;
 * NaN (missing) has a bin of its own after the value bins. A feature with few distinct values gets one bin per
 * value; a feature with many gets bins of about equal row counts, a value that fills a bin alone keeping its own.
 */

export interface FeatureBins {
  /** Largest training value of each value bin, ascending. The last bin also takes anything larger. */
  upper: Float64Array;
  /** The bin most rows fall in (zero for sparse counts): histograms fill it by subtraction. */
  defaultBin: number;
}

export interface BinMapper {
  features: FeatureBins[];
  /** Index of the missing bin of feature f (= its number of value bins). */
  missingBin(f: number): number;
  /** The bin of a value of feature f. */
  binOf(f: number, value: number): number;
}

/** First bin whose upper bound is ≥ value (binary search); values above the last bound go to the last bin. */
function findBin(upper: Float64Array, value: number): number {
  let lo = 0;
  let hi = upper.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= upper[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Bin bounds of one feature from its (sampled) values: distinct values with counts, cut greedily into bins
 * of at least `minDataInBin` rows and about (rows left / bins left) rows each. A value as frequent as that
 * gets a bin alone; rare values share one (a split between two values seen once each is noise anyway).
 */
function boundsOf(values: Float64Array, maxBins: number, minDataInBin: number): { upper: Float64Array; counts: Uint32Array } {
  let nFinite = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) values[nFinite++] = values[i]!;
  const finite = values.subarray(0, nFinite).sort();
  const missing = values.length - nFinite;
  if (nFinite === 0) return { upper: new Float64Array([Infinity]), counts: Uint32Array.of(0, missing) };
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < nFinite; i++) {
    const v = finite[i]!;
    if (i > 0 && finite[i - 1] === v) counts[counts.length - 1]!++;
    else {
      distinct.push(v);
      counts.push(1);
    }
  }
  const upper: number[] = [];
  const binCounts: number[] = [];
  let left = nFinite;
  let acc = 0;
  const last = distinct.length - 1;
  for (let i = 0; i < last && upper.length < maxBins - 1; i++) {
    acc += counts[i]!;
    // Re-aimed after every cut, so a heavy value (most counts are 0) does not starve the bins after it.
    if (acc >= Math.max(minDataInBin, left / (maxBins - upper.length))) {
      upper.push(distinct[i]!);
      binCounts.push(acc);
      left -= acc;
      acc = 0;
    }
  }
  // The rest is the last bin; too few rows for a bin of their own join the one before.
  if (upper.length === 0 || left >= minDataInBin) {
    upper.push(distinct[last]!);
    binCounts.push(left);
  } else {
    upper[upper.length - 1] = distinct[last]!;
    binCounts[binCounts.length - 1]! += left;
  }
  return { upper: Float64Array.from(upper), counts: Uint32Array.from([...binCounts, missing]) };
}

/**
 * Bins for every feature of a row-major [n, F] matrix, from at most `sampleRows` rows (evenly spaced, so the
 * result is deterministic). Most-frequent bins are counted over the same rows.
 */
export function fitBins(x: Float32Array, n: number, F: number, maxBins = 255, minDataInBin = 3, sampleRows = 200_000): BinMapper {
  if (maxBins < 2 || maxBins > 255) throw new RangeError(`maxBins must be in 2..255, got ${maxBins}`);
  const step = Math.max(1, n / Math.min(n, sampleRows));
  const rows: number[] = [];
  for (let r = 0; r < n; r += step) rows.push(Math.floor(r));
  const features: FeatureBins[] = [];
  const column = new Float64Array(rows.length);
  for (let f = 0; f < F; f++) {
    for (let i = 0; i < rows.length; i++) column[i] = x[rows[i]! * F + f]!;
    const { upper, counts } = boundsOf(column, maxBins, minDataInBin);
    let defaultBin = 0;
    for (let b = 1; b < counts.length; b++) if (counts[b]! > counts[defaultBin]!) defaultBin = b;
    features.push({ upper, defaultBin });
  }
  return {
    features,
    missingBin: (f) => features[f]!.upper.length,
    binOf: (f, value) => (Number.isNaN(value) ? features[f]!.upper.length : findBin(features[f]!.upper, value)),
  };
}

/**
 * A matrix as bins, in the two layouts training needs: column-major bytes (one feature of many rows: the
 * partition of a leaf's rows by a split) and a sparse row list of the bins that are not the feature's default
 * (the histogram of a leaf: KronoDroid rows are mostly zeros, so this skips most of the work).
 */
export interface BinnedMatrix {
  n: number;
  F: number;
  /** Bins per feature (value bins + the missing bin). */
  width: Uint16Array;
  /** Histogram slot of bin 0 of feature f; slot offset[f] + b is feature f, bin b. */
  offset: Uint32Array;
  /** Slots in a histogram. */
  slots: number;
  /** cols[f * n + r]: bin of row r, feature f. */
  cols: Uint8Array;
  /** Rows' non-default bins: row r's slots are slot[rowStart[r] .. rowStart[r + 1]). */
  rowStart: Uint32Array;
  slot: Uint32Array;
}

/** Integer values below this bin through a lookup table (counts, flags); others by binary search. */
const LOOKUP = 4096;

/** A feature's value → bin function, as a table over small integers where the bounds allow. */
function binner(bins: FeatureBins): (v: number) => number {
  const { upper } = bins;
  const missing = upper.length;
  const table = new Uint8Array(LOOKUP);
  for (let v = 0, b = 0; v < LOOKUP; v++) {
    while (b < upper.length - 1 && v > upper[b]!) b++;
    table[v] = b;
  }
  return (v) => (v >= 0 && v < LOOKUP && (v | 0) === v ? table[v]! : Number.isNaN(v) ? missing : findBin(upper, v));
}

/** Rows per block: a block of row-major values (~1 MB at 474 features) stays in cache while it is binned. */
const BLOCK = 512;

export function binMatrix(mapper: BinMapper, x: Float32Array, n: number, F: number): BinnedMatrix {
  const width = new Uint16Array(F);
  const offset = new Uint32Array(F + 1);
  for (let f = 0; f < F; f++) {
    width[f] = mapper.features[f]!.upper.length + 1;
    offset[f + 1] = offset[f]! + width[f]!;
  }
  const binners = mapper.features.map(binner);
  const defaults = Uint8Array.from(mapper.features, (b) => b.defaultBin);
  const cols = new Uint8Array(F * n);
  const rowStart = new Uint32Array(n + 1);
  // Column by column within a block of rows: each feature's table is hot while it runs down the block.
  for (let r0 = 0; r0 < n; r0 += BLOCK) {
    const r1 = Math.min(n, r0 + BLOCK);
    for (let f = 0; f < F; f++) {
      const bin = binners[f]!;
      const col = f * n;
      for (let r = r0; r < r1; r++) cols[col + r] = bin(x[r * F + f]!);
    }
  }
  let nnz = 0;
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < F; f++) if (cols[f * n + r] !== defaults[f]) nnz++;
    rowStart[r + 1] = nnz;
  }
  const slot = new Uint32Array(nnz);
  let k = 0;
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < F; f++) {
      const b = cols[f * n + r]!;
      if (b !== defaults[f]) slot[k++] = offset[f]! + b;
    }
  }
  return { n, F, width, offset, slots: offset[F]!, cols, rowStart, slot };
}
