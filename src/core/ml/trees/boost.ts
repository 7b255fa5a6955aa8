/**
 * @module Gradient boosting with logistic loss: each round fits a tree (grow.ts) to the gradients and
 * Hessians of the current margins, shrunk by the learning rate. Row subsampling (without replacement, every
 * round) and column subsampling (per tree) draw from one seeded generator, so a seed gives the same model;
 * class weights scale each row's gradient; early stopping keeps the round with the lowest validation loss.
 */
import { mulberry32 } from '../prng.ts';
import { type BinnedMatrix, binMatrix, fitBins } from './bins.ts';
import { sigmoid, type Tree, type TreeEnsemble } from './ensemble.ts';
import { type GrowParams, growTree, HistogramBuilder } from './grow.ts';

/** The tree's own parameters (grow.ts) plus the boosting loop's. */
export interface BoostParams extends GrowParams {
  iterations: number;
  /** Fraction of rows each round sees. */
  subsample: number;
  /** Fraction of features each tree may split on. */
  colsample: number;
  maxBins: number;
  /** 'balanced': each class weighs half of the total. */
  classWeight: 'balanced' | 'none';
  /** Stop after this many rounds without a lower validation loss (0 = never; needs validation rows). */
  earlyStoppingRounds: number;
  seed: number;
}

export const DEFAULT_BOOST: BoostParams = {
  iterations: 300,
  learningRate: 0.05,
  maxLeaves: 31,
  maxDepth: 0,
  minDataInLeaf: 20,
  minChildWeight: 1e-3,
  lambdaL2: 0,
  minSplitGain: 0,
  subsample: 1,
  colsample: 1,
  maxBins: 255,
  classWeight: 'none',
  earlyStoppingRounds: 0,
  seed: 0,
};

export interface Rows {
  /** Row-major [n, F], NaN where missing. */
  x: Float32Array;
  y: Uint8Array;
  n: number;
}

export interface BoostResult {
  model: TreeEnsemble;
  /** Rounds kept (the best validation round when stopping early). */
  rounds: number;
  /** Mean log-loss per round: training rows (unweighted), and validation rows when given. */
  history: { train: number; valid?: number }[];
}

/** Walks a tree on binned rows (training time: no float compares, no NaN checks). */
function binnedLeaf(tree: Tree, bin: Int32Array, m: BinnedMatrix, missing: (f: number) => number, r: number): number {
  let i = 0;
  while (tree.left[i]! !== -1) {
    const f = tree.feature[i]!;
    const b = m.cols[f * m.n + r]!;
    i = (b === missing(f) ? tree.missingLeft[i] === 1 : b <= bin[i]!) ? tree.left[i]! : tree.right[i]!;
  }
  return i;
}

const logloss = (margin: Float64Array, y: Uint8Array) => {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const z = margin[i]!;
    // log(1 + e^-|z|) + max(z, 0) - y z: stable for large |z|
    s += Math.log1p(Math.exp(-Math.abs(z))) + Math.max(z, 0) - y[i]! * z;
  }
  return s / Math.max(1, y.length);
};

export function boost(train: Rows, F: number, params: Partial<BoostParams> = {}, valid?: Rows, onRound?: (round: number, loss: { train: number; valid?: number }) => void): BoostResult {
  const p = { ...DEFAULT_BOOST, ...params };
  const { n, y } = train;
  if (n === 0) throw new RangeError('no training rows');
  const mapper = fitBins(train.x, n, F, p.maxBins);
  const m = binMatrix(mapper, train.x, n, F);
  const mv = valid ? binMatrix(mapper, valid.x, valid.n, F) : undefined;
  const missing = (f: number) => mapper.missingBin(f);

  const positives = y.reduce((a, b) => a + b, 0);
  const weight = new Float64Array(n).fill(1);
  if (p.classWeight === 'balanced' && positives > 0 && positives < n) {
    for (let i = 0; i < n; i++) weight[i] = y[i] ? n / (2 * positives) : n / (2 * (n - positives));
  }
  let wPos = 0;
  let wAll = 0;
  for (let i = 0; i < n; i++) {
    wAll += weight[i]!;
    if (y[i]) wPos += weight[i]!;
  }
  const prior = Math.min(1 - 1e-12, Math.max(1e-12, wPos / wAll));
  const base = Math.log(prior / (1 - prior));

  const margin = new Float64Array(n).fill(base);
  const vmargin = new Float64Array(valid?.n ?? 0).fill(base);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const rows = new Uint32Array(n);
  const scratch = new Uint32Array(n);
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const allowed = new Uint8Array(F);
  const features = Uint32Array.from({ length: F }, (_, i) => i);
  const rand = mulberry32(p.seed);
  const builder = new HistogramBuilder(m, mapper);

  const trees: Tree[] = [];
  const history: { train: number; valid?: number }[] = [];
  let best = { round: 0, loss: Infinity };
  for (let round = 0; round < p.iterations; round++) {
    for (let i = 0; i < n; i++) {
      const pr = sigmoid(margin[i]!);
      g[i] = (pr - y[i]!) * weight[i]!;
      h[i] = Math.max(pr * (1 - pr), 1e-16) * weight[i]!;
    }
    // Rows: a partial Fisher–Yates draw, put back in index order (the histograms read rows in order).
    let count = n;
    if (p.subsample < 1) {
      count = Math.max(1, Math.round(p.subsample * n));
      for (let i = 0; i < count; i++) {
        const j = i + Math.floor(rand() * (n - i));
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
      rows.set(order.subarray(0, count));
      rows.subarray(0, count).sort();
    } else rows.set(order.subarray(0, n).sort());
    allowed.fill(p.colsample < 1 ? 0 : 1);
    if (p.colsample < 1) {
      const k = Math.max(1, Math.round(p.colsample * F));
      for (let i = 0; i < k; i++) {
        const j = i + Math.floor(rand() * (F - i));
        const t = features[i]!;
        features[i] = features[j]!;
        features[j] = t;
        allowed[features[i]!] = 1;
      }
    }
    const { tree, bin } = growTree(m, mapper, builder, g, h, rows, count, allowed, p, scratch);
    trees.push(tree);
    for (let r = 0; r < n; r++) margin[r]! += tree.value[binnedLeaf(tree, bin, m, missing, r)]!;
    const loss: { train: number; valid?: number } = { train: logloss(margin, y) };
    if (valid && mv) {
      for (let r = 0; r < valid.n; r++) vmargin[r]! += tree.value[binnedLeaf(tree, bin, mv, missing, r)]!;
      loss.valid = logloss(vmargin, valid.y);
      if (loss.valid < best.loss) best = { round: round + 1, loss: loss.valid };
    }
    history.push(loss);
    onRound?.(round + 1, loss);
    if (valid && p.earlyStoppingRounds > 0 && round + 1 - best.round >= p.earlyStoppingRounds) break;
  }
  const rounds = valid && p.earlyStoppingRounds > 0 ? best.round : trees.length;
  return { model: { base, trees: trees.slice(0, rounds), features: F }, rounds, history };
}
