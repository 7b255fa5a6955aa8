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
function boundsOf(values: Float64Array, maxBins: number, minDataInBin: number): Float64Array {
  const finite = values.filter((v) => !Number.isNaN(v)).sort();
  if (finite.length === 0) return new Float64Array([Infinity]);
  const distinct: number[] = [];
  const counts: number[] = [];
  for (const v of finite) {
    if (distinct.length && distinct[distinct.length - 1] === v) counts[counts.length - 1]!++;
    else {
      distinct.push(v);
      counts.push(1);
    }
  }
  const upper: number[] = [];
  let left = finite.length;
  let acc = 0;
  const last = distinct.length - 1;
  for (let i = 0; i < last && upper.length < maxBins - 1; i++) {
    acc += counts[i]!;
    // Re-aimed after every cut, so a heavy value (most counts are 0) does not starve the bins after it.
    if (acc >= Math.max(minDataInBin, left / (maxBins - upper.length))) {
      upper.push(distinct[i]!);
      left -= acc;
      acc = 0;
    }
  }
  // The rest is the last bin; too few rows for a bin of their own join the one before.
  if (upper.length === 0 || left >= minDataInBin) upper.push(distinct[last]!);
  else upper[upper.length - 1] = distinct[last]!;
  return Float64Array.from(upper);
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
    const upper = boundsOf(column, maxBins, minDataInBin);
    const counts = new Uint32Array(upper.length + 1);
    for (let i = 0; i < rows.length; i++) {
      const v = column[i]!;
      counts[Number.isNaN(v) ? upper.length : findBin(upper, v)]!++;
    }
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

export function binMatrix(mapper: BinMapper, x: Float32Array, n: number, F: number): BinnedMatrix {
  const width = new Uint16Array(F);
  const offset = new Uint32Array(F + 1);
  for (let f = 0; f < F; f++) {
    width[f] = mapper.features[f]!.upper.length + 1;
    offset[f + 1] = offset[f]! + width[f]!;
  }
  const cols = new Uint8Array(F * n);
  const rowStart = new Uint32Array(n + 1);
  let nnz = 0;
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < F; f++) {
      const b = mapper.binOf(f, x[r * F + f]!);
      cols[f * n + r] = b;
      if (b !== mapper.features[f]!.defaultBin) nnz++;
    }
    rowStart[r + 1] = nnz;
  }
  const slot = new Uint32Array(nnz);
  let k = 0;
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < F; f++) {
      const b = cols[f * n + r]!;
      if (b !== mapper.features[f]!.defaultBin) slot[k++] = offset[f]! + b;
    }
  }
  return { n, F, width, offset, slots: offset[F]!, cols, rowStart, slot };
}
