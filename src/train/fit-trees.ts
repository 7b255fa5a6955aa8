// Fits the tree detector: gradient-boosted trees on the raw features (src/core/ml/trees), calibrated like the MLP.
// calibration=crossfit: K stratified folds over train + validation give every training-period row an out-of-fold
// margin; Platt scaling and the threshold are fitted on those, and the model is one more fit on all rows (as
// scikit-learn's CalibratedClassifierCV with ensemble=False), so it stays one ensemble, fast to score and explain.
// calibration=holdout: fit on the training part, calibrate (and stop early) on the validation part.
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError } from '../core/errors.ts';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { thresholdForFpr } from '../core/ml/eval/index.ts';
import { fitPlatt } from '../core/ml/models/calibrate.ts';
import { activeMask } from '../core/ml/models/features.ts';
import { fitPreprocess } from '../core/ml/models/preprocess.ts';
import { isMainThread } from 'node:worker_threads';
import type { BoostParams, Rows } from '../core/ml/trees/boost.ts';
import type { TreeEnsemble } from '../core/ml/trees/ensemble.ts';
import { buildTreeInference, type Platt } from '../core/ml/trees/onnx.ts';
import type { Dataset } from './data.ts';
import { type FitOptions, type Fitted, stratifiedFolds } from './fit.ts';
import { checkInterrupted } from './interrupt.ts';
import type { BoostJob, BoostOut } from './parallel/boost-job.ts';
import { runJobs, workerCount } from './parallel/pool.ts';
import { concatDatasets } from './split.ts';

const F = FEATURE_COLUMNS.length;

/** The learner's parameters from `model.classifier.trees` (snake_case keys, documented in the config schema). */
export function boostParams(config: DfpConfig, seed: number): Partial<BoostParams> {
  const t = config.model.classifier.trees;
  return {
    iterations: t.iterations,
    learningRate: t.learning_rate,
    maxLeaves: t.max_leaves,
    maxDepth: t.max_depth,
    minDataInLeaf: t.min_data_in_leaf,
    minChildWeight: t.min_child_weight,
    lambdaL2: t.lambda_l2,
    minSplitGain: t.min_split_gain,
    subsample: t.subsample,
    colsample: t.colsample,
    maxBins: t.max_bins,
    classWeight: config.model.classifier.class_weight,
    earlyStoppingRounds: t.early_stopping_rounds,
    seed,
  };
}

/**
 * Rows of `d` as the learner reads them: features in `model.exclude_features` become constant, so no tree can split
 * on them and the exported model never reads them (a static-only detector ignores the syscall columns entirely).
 */
function rowsOf(d: Dataset, idx: readonly number[], excluded: readonly number[]): Rows {
  const x = new Float32Array(idx.length * F);
  idx.forEach((r, k) => x.set(d.x.subarray(r * F, (r + 1) * F), k * F));
  if (excluded.length) for (let k = 0; k < idx.length; k++) for (const j of excluded) x[k * F + j] = 0;
  return { x, y: Uint8Array.from(idx, (r) => d.y[r]!), n: idx.length };
}

/** The learner's data problems as errors that name them, before any tree is grown. */
function checkTrainable(rows: Rows, config: DfpConfig, excluded: readonly number[]): void {
  const t = config.model.classifier.trees;
  const pos = rows.y.reduce((a, b) => a + b, 0);
  if (pos === 0 || pos === rows.n) throw new DfpError('INPUT_INVALID', `the tree detector needs both classes in its training rows; found ${pos} malware of ${rows.n} apps`);
  if (rows.n < 2 * t.min_data_in_leaf) {
    throw new DfpError('INPUT_INVALID', `${rows.n} training rows cannot be split into two leaves of model.classifier.trees.min_data_in_leaf=${t.min_data_in_leaf}; lower it or use more data`, { key: 'model.classifier.trees.min_data_in_leaf' });
  }
  const skip = new Set(excluded);
  for (let j = 0; j < F; j++) {
    if (skip.has(j)) continue;
    const first = rows.x[j]!;
    for (let r = 1; r < rows.n; r++) {
      const v = rows.x[r * F + j]!;
      if (v !== first && !(Number.isNaN(v) && Number.isNaN(first))) return;
    }
  }
  throw new DfpError('INPUT_INVALID', `every feature the tree detector may use is constant over its ${rows.n} training rows: there is nothing to split on (check the data, or model.exclude_features)`, { key: 'model.exclude_features' });
}

export interface TreeFit extends Fitted {
  ensemble: TreeEnsemble;
  platt: Platt;
  /** Calibrated probability of every calibration row (crossfit: all training-period rows, train then validation). */
  calibProbs: Float32Array;
  calibRows: number[];
  /** Labels of the calibration rows. */
  calibY: Uint8Array;
}

export async function fitTrees(o: FitOptions): Promise<TreeFit> {
  const { config } = o;
  const mc = config.model.classifier;
  const tc = config.train;
  const crossfit = mc.calibration === 'crossfit';
  const both = concatDatasets(o.train, o.validation);
  // activeMask expands groups (@syscalls …): the trees leave out exactly what the preprocessing zeroes.
  const excluded = activeMask(config.model.exclude_features).flatMap((on, j) => (on ? [] : [j]));
  const every = Array.from({ length: both.n }, (_, i) => i);
  const fitRows = crossfit ? every : every.slice(0, o.train.n);
  const all = rowsOf(both, fitRows, excluded);
  checkTrainable(all, config, excluded);
  const pos = all.y.reduce((a, b) => a + b, 0);
  if (crossfit && pos < mc.folds) throw new DfpError('INPUT_INVALID', `model.classifier.folds=${mc.folds} needs at least that many malware apps in the training months, found ${pos}; lower the folds or use model.classifier.calibration=holdout`, { key: 'model.classifier.folds' });
  const t0 = performance.now();
  // Each split: the rows a model trains on and the held rows it is calibrated with.
  const fold = crossfit ? stratifiedFolds(both.y, mc.folds, tc.seed) : [];
  const splits = crossfit
    ? Array.from({ length: mc.folds }, (_, f) => ({ fit: every.filter((i) => fold[i] !== f), held: every.filter((i) => fold[i] === f) }))
    : [{ fit: fitRows, held: every.slice(o.train.n) }];
  if (splits.some((s) => s.held.length === 0)) throw new DfpError('INPUT_INVALID', 'the validation part is empty: nothing to calibrate the tree detector on; raise train.validation_fraction');
  const jobs: BoostJob[] = splits.map((s, f) => ({ train: rowsOf(both, s.fit, excluded), held: rowsOf(both, s.held, excluded), features: F, params: boostParams(config, tc.seed + f * 104729) }));
  // Cross-fitted without early stopping, the final fit (every row) does not wait for the folds: it runs beside them.
  const early = mc.trees.early_stopping_rounds > 0;
  const finalJob = (iterations: number): BoostJob => ({ train: all, features: F, params: { ...boostParams(config, tc.seed), iterations } });
  if (crossfit && !early) jobs.push(finalJob(mc.trees.iterations));
  // The folds are independent: worker threads fit them side by side (none inside a worker already: no oversubscription).
  const fitAll = async (list: BoostJob[], label: string): Promise<BoostOut[]> => {
    checkInterrupted(o.signal);
    o.progress.start(label, list.length, 'fits');
    try {
      return await runJobs<BoostJob, BoostOut>(new URL('./parallel/boost-job.ts', import.meta.url), list, isMainThread ? workerCount(tc.workers, list.length) : 1, { onDone: (n) => o.progress.update(n), ...(o.signal ? { signal: o.signal } : {}) });
    } finally {
      o.progress.stop();
    }
  };
  const outs = await fitAll(jobs, crossfit ? `trees: ${mc.folds} folds${early ? '' : ' and the final fit'}` : 'trees');
  const margin = new Float64Array(both.n);
  splits.forEach((s, f) => outs[f]!.heldMargins.forEach((m, k) => (margin[s.held[k]!] = m)));
  const rounds = outs.slice(0, splits.length).map((r) => r.rounds);
  // Cross-fitted with early stopping: the model is one fit on every row, as long as the folds' models ran (their mean).
  const iterations = Math.max(1, Math.round(rounds.reduce((a, b) => a + b, 0) / rounds.length));
  const ensemble = !crossfit ? outs[0]!.model : early ? (await fitAll([finalJob(iterations)], 'trees (all rows)'))[0]!.model : outs[splits.length]!.model;

  const calibRows = splits.flatMap((s) => s.held).sort((a, b) => a - b);
  const calibY = Uint8Array.from(calibRows, (r) => both.y[r]!);
  const calibMargins = Float32Array.from(calibRows, (r) => margin[r]!);
  const platt = fitPlatt(calibMargins, calibY);
  const calibProbs = calibMargins.map((m) => 1 / (1 + Math.exp(-(platt.a * m + platt.b))));
  const benignProbs = calibProbs.filter((_, i) => !calibY[i]);
  const seconds = (performance.now() - t0) / 1000;
  const trees = ensemble.trees.length;
  return {
    kind: 'classifier',
    onnx: buildTreeInference(ensemble, platt),
    pre: fitPreprocess(all.x, { exclude: config.model.exclude_features, clip: config.model.clip }),
    threshold: thresholdForFpr(benignProbs, config.model.target_fpr),
    // The loop record of an iterative learner: one "epoch" per boosting round.
    loop: { best: [], bestEpoch: trees, history: [], stoppedEarly: trees < mc.trees.iterations, seconds },
    trainRows: all.n,
    ...(crossfit ? { outOfFold: calibProbs } : {}),
    benignCalibration: benignProbs,
    details: { detector: 'trees', calibration: mc.calibration, trees, leaves: ensemble.trees.reduce((a, t) => a + t.left.filter((l) => l === -1).length, 0), platt_a: platt.a, platt_b: platt.b },
    ensemble,
    platt,
    calibProbs,
    calibRows,
    calibY,
  };
}
