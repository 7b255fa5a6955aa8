// Fits either model on a split: preprocessing, training loop, calibration on validation, export with preprocessing baked in.
import { join, relative } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError } from '../core/errors.ts';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { mlpParams, names } from '../core/ml/graph/mlp.ts';
import { autoencoderMlp, buildAutoencoderEval, buildAutoencoderInference, buildAutoencoderTrainStep, featureWeights } from '../core/ml/models/autoencoder.ts';
import { rocAuc, thresholdForFpr } from '../core/ml/eval/index.ts';
import { fitPlatt } from '../core/ml/models/calibrate.ts';
import { type ClassifierModel, buildClassifierInference, buildClassifierLogits, buildClassifierTrainStep, classifierInput, classifierMlp, meanBce } from '../core/ml/models/classifier.ts';
import { derivedWidth, fitDerived } from '../core/ml/models/derived.ts';
import { type ErrorStats, errorStats } from '../core/ml/explain/index.ts';
import { type PreprocessSpec, fitPreprocess, preprocess } from '../core/ml/models/preprocess.ts';
import type { MlpSpec, ParamInfo } from '../core/ml/graph/mlp.ts';
import { mulberry32 } from '../core/ml/prng.ts';
import type { Progress } from '../core/progress.ts';
import type { Dataset } from './data.ts';
import { openSession, ort } from '../engine/onnxruntime/index.ts';
import { ModelSession } from '../runtime/session.ts';
import { type EpochRecord, type LoopResult, trainLoop } from './loop.ts';
import { concatDatasets, shuffle, subset } from './split.ts';
import { TrainStepRunner } from './step-runner.ts';

export interface FitOptions {
  config: DfpConfig;
  train: Dataset;
  validation: Dataset;
  progress: Progress;
  checkpointDir: string;
  onEpoch?: (r: EpochRecord) => Promise<void> | void;
  /** Aborted on SIGINT/SIGTERM: training stops between two steps (see interrupt.ts). */
  signal?: AbortSignal;
  /** An interrupted run's checkpoint directory to continue from (laid out as checkpointDir: one folder per member). */
  resumeDir?: string;
}

export interface Fitted {
  kind: 'autoencoder' | 'classifier';
  onnx: Uint8Array;
  pre: PreprocessSpec;
  threshold: number;
  errorStats?: ErrorStats;
  loop: LoopResult;
  /** Rows the model was fitted on (after benign-only filtering). */
  trainRows: number;
  /**
   * calibration=crossfit: the calibrated out-of-fold score of every training-period row (train rows, then validation
   * rows), the honest "validation" numbers when no row was held out of every member.
   */
  outOfFold?: Float32Array;
  /** Classifier: the calibrated benign probabilities the threshold was set on, so another target FPR needs no refit. */
  benignCalibration?: Float32Array;
  /** Extra facts for params/metadata (Platt a/b, weights). */
  details: Record<string, number | string>;
}

const F = FEATURE_COLUMNS.length;

function rowsOf(z: Float32Array, rows: readonly number[], width = F): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, k) => out.set(z.subarray(r * width, (r + 1) * width), k * width));
  return out;
}

function paramFeeds(infos: readonly ParamInfo[], params: readonly Float32Array[]): Record<string, ort.Tensor> {
  const f: Record<string, ort.Tensor> = {};
  infos.forEach((info, k) => (f[names.param(info.name)] = new ort.Tensor('float32', params[k] as Float32Array, info.shape)));
  return f;
}

function benignRows(d: Dataset): number[] {
  return Array.from({ length: d.n }, (_, i) => i).filter((i) => d.y[i] === 0);
}

function need(d: Dataset, what: string, min: number): void {
  if (d.n < min) throw new DfpError('INPUT_INVALID', `${what} has ${d.n} rows, fewer than the ${min} needed; use more data or change train.split / train.validation_fraction`);
}

export async function fitAutoencoder(o: FitOptions): Promise<Fitted> {
  const { config } = o;
  const mc = config.model.autoencoder;
  const tc = config.train;
  const train = mc.benign_only ? subset(o.train, benignRows(o.train)) : o.train;
  need(train, 'the training set', 2);
  const valBenignIdx = benignRows(o.validation);
  if (valBenignIdx.length === 0) throw new DfpError('INPUT_INVALID', 'the validation set has no benign apps to calibrate the threshold on; raise train.validation_fraction');
  const pre = fitPreprocess(train.x, { exclude: config.model.exclude_features, clip: config.model.clip });
  const zTrain = preprocess(pre, train.x);
  const zVal = preprocess(pre, o.validation.x);
  const weights = featureWeights(pre, { count: mc.weight_count, binary: mc.weight_binary, numeric: mc.weight_numeric });
  const mlp: MlpSpec = autoencoderMlp(F, mc);
  const B = Math.min(tc.batch_size, train.n);
  const graph = buildAutoencoderTrainStep({ pre, mlp, weights, batch: B });
  const runner = await TrainStepRunner.create(graph, { seed: tc.seed, lr: tc.lr, threads: tc.threads });
  const evalSession = await openSession(buildAutoencoderEval({ pre, mlp, weights }), { threads: tc.threads });
  const noise = mulberry32((tc.seed ^ 0x1b873593) >>> 0);
  try {
    const loop = await trainLoop({
      runner,
      nTrain: train.n,
      batchSize: B,
      epochs: tc.epochs,
      patience: tc.patience,
      minDelta: tc.min_delta,
      seed: tc.seed,
      progress: o.progress,
      label: 'autoencoder',
      checkpointDir: o.checkpointDir,
      onEpoch: o.onEpoch,
      signal: o.signal,
      resumeFrom: o.resumeDir,
      batch: (rows) => {
        const target = rowsOf(zTrain, rows);
        // Swap noise (dfencoder): a cell takes the same column's value from a random training row.
        const x = target.slice();
        if (mc.swap_noise > 0) {
          for (let k = 0; k < x.length; k++) {
            if (noise() < mc.swap_noise) x[k] = zTrain[Math.floor(noise() * train.n) * F + (k % F)] as number;
          }
        }
        return { [names.x(0)]: { data: x, dims: [rows.length, F] }, [names.target(0)]: { data: target, dims: [rows.length, F] } };
      },
      validate: async (params) => {
        const out = await evalSession.run({ x: new ort.Tensor('float32', zVal, [o.validation.n, F]), ...paramFeeds(graph.params, params) });
        const score = (out.score as ort.Tensor).data as Float32Array;
        let s = 0;
        for (const i of valBenignIdx) s += score[i] as number;
        return { loss: s / valBenignIdx.length, auc: rocAuc(o.validation.y, score) };
      },
    });
    const onnx = buildAutoencoderInference({ pre, mlp, weights, params: loop.best });
    // The exported graph, run the way every scorer runs it: the threshold and error stats hold for what is served.
    const scored = await ModelSession.scoreOnce(onnx, o.validation.x, tc.threads);
    const benignScores = valBenignIdx.map((i) => scored.scores[i] as number);
    const benignErrors = rowsOf(scored.featureErrors as Float32Array, valBenignIdx);
    return {
      kind: 'autoencoder',
      onnx,
      pre,
      threshold: thresholdForFpr(benignScores, config.model.target_fpr),
      errorStats: errorStats(benignErrors, F, pre.active),
      loop,
      trainRows: train.n,
      details: { sizes: mlp.sizes.join('-') },
    };
  } finally {
    await Promise.all([runner.release(), evalSession.release()]);
  }
}

/** The MLP detector's fit, with what the blend detector composes: its model and its calibrated held-out scores. */
export interface MlpFit extends Fitted {
  model: ClassifierModel;
  /** Calibrated probability of every calibration row (crossfit: all training-period rows, train then validation). */
  calibProbs: Float32Array;
  calibRows: number[];
  /** Labels of the calibration rows. */
  calibY: Uint8Array;
}

/** What one classifier member needs, fitted once on the rows it may see. */
interface ClassifierContext {
  config: DfpConfig;
  mlp: MlpSpec;
  width: number;
  /** The MLP's parameter names and shapes, as every member's train-step graph declares them. */
  params: ParamInfo[];
  logitSession: Awaited<ReturnType<typeof openSession>>;
  progress: Progress;
  signal?: AbortSignal;
  /** The interrupted run's checkpoint root, when resuming. */
  resumeDir?: string;
  /** This run's checkpoint root (members checkpoint below it, and resume from the same place below resumeDir). */
  checkpointRoot: string;
}

/** Logits of `z` ([n, width] classifier input) under `params`. */
async function logitsOf(c: ClassifierContext, z: Float32Array, params: readonly Float32Array[]): Promise<Float32Array> {
  const n = z.length / c.width;
  const out = await c.logitSession.run({ x: new ort.Tensor('float32', z, [n, c.width]), ...paramFeeds(c.params, params as Float32Array[]) });
  return (out.logit as ort.Tensor).data as Float32Array;
}

/**
 * Trains one member on `fit` rows of (z, y), early-stopping on the `held` rows' loss. Balanced class weights are those of
 * the member's own training rows, so each class contributes half of its loss.
 */
async function trainMember(c: ClassifierContext, z: Float32Array, y: Uint8Array, fit: readonly number[], held: readonly number[], seed: number, label: string, checkpointDir: string, onEpoch?: FitOptions['onEpoch']): Promise<{ loop: LoopResult; heldLogits: Float32Array; weights: [number, number] }> {
  const mc = c.config.model.classifier;
  const tc = c.config.train;
  const W = c.width;
  const pos = fit.reduce((a, r) => a + (y[r] as number), 0);
  const wPos = mc.class_weight === 'balanced' ? fit.length / (2 * pos) : 1;
  const wNeg = mc.class_weight === 'balanced' ? fit.length / (2 * (fit.length - pos)) : 1;
  const [tPos, tNeg] = [1 - mc.label_smoothing / 2, mc.label_smoothing / 2];
  const zFit = rowsOf(z, fit, W);
  const zHeld = rowsOf(z, held, W);
  const yHeld = Uint8Array.from(held, (r) => y[r] as number);
  const B = Math.min(tc.batch_size, fit.length);
  const graph = buildClassifierTrainStep({ mlp: c.mlp, batch: B, weightDecay: mc.weight_decay });
  const runner = await TrainStepRunner.create(graph, { seed, lr: tc.lr, threads: tc.threads });
  try {
    const loop = await trainLoop({
      runner,
      nTrain: fit.length,
      batchSize: B,
      epochs: tc.epochs,
      patience: tc.patience,
      minDelta: tc.min_delta,
      seed,
      progress: c.progress,
      label,
      checkpointDir,
      onEpoch,
      signal: c.signal,
      resumeFrom: c.resumeDir === undefined ? undefined : join(c.resumeDir, relative(c.checkpointRoot, checkpointDir)),
      batch: (rows) => ({
        [names.x(0)]: { data: rowsOf(zFit, rows, W), dims: [rows.length, W] },
        [names.target(0)]: { data: Float32Array.from(rows, (r) => (y[fit[r] as number] ? tPos : tNeg)), dims: [rows.length, 1] },
        weight: { data: Float32Array.from(rows, (r) => (y[fit[r] as number] ? wPos : wNeg)), dims: [rows.length, 1] },
      }),
      validate: async (params) => {
        const logits = await logitsOf(c, zHeld, params);
        return { loss: meanBce(logits, yHeld), auc: rocAuc(yHeld, logits) };
      },
    });
    return { loop, heldLogits: await logitsOf(c, zHeld, loop.best), weights: [wPos, wNeg] };
  } finally {
    await runner.release();
  }
}

/**
 * Fold of each row for cross-fitting: every class shuffled (seeded) and dealt round-robin, so each fold holds its share
 * of the few malware.
 */
export function stratifiedFolds(y: Uint8Array, k: number, seed: number): number[] {
  const rand = mulberry32((seed ^ 0x2545f491) >>> 0);
  const fold = new Array<number>(y.length).fill(0);
  let next = 0;
  for (const cls of [1, 0]) {
    const rows = shuffle(Array.from({ length: y.length }, (_, i) => i).filter((i) => y[i] === cls), rand);
    for (const r of rows) fold[r] = next++ % k;
  }
  return fold;
}

/**
 * calibration=holdout: members train on `train`, stop early and are calibrated on `validation`.
 * calibration=crossfit: `train` and `validation` together are cut into K stratified folds; member k trains on the other
 * folds and stops early on fold k; the model averages the K members, and Platt scaling and the threshold are fitted on
 * the out-of-fold logits (every training-period row scored by a member that never saw it). Every malware app of the
 * training months is then both trained on (by K-1 members) and used for calibration, which matters when they are few.
 */
export async function fitMlp(o: FitOptions): Promise<MlpFit> {
  const { config } = o;
  const mc = config.model.classifier;
  const tc = config.train;
  const crossfit = mc.calibration === 'crossfit';
  // Members read rows of train then validation; holdout fits its preprocessing on the training part only.
  const both = concatDatasets(o.train, o.validation);
  const all = crossfit ? both : o.train;
  need(all, 'the training set', 2);
  const pos = all.y.reduce((a, b) => a + b, 0);
  if (pos === 0 || pos === all.n) throw new DfpError('INPUT_INVALID', `the classifier needs both classes in the training months; found ${pos} malware of ${all.n} apps`);
  if (crossfit && pos < mc.folds) throw new DfpError('INPUT_INVALID', `model.classifier.folds=${mc.folds} needs at least that many malware apps in the training months, found ${pos}; lower the folds or use model.classifier.calibration=holdout`, { key: 'model.classifier.folds' });
  const pre = fitPreprocess(all.x, { exclude: config.model.exclude_features, clip: config.model.clip });
  const derived = fitDerived(pre, all.x, { share: mc.syscall_share, used: mc.syscall_used, shareScale: mc.syscall_share_scale });
  const W = F + derivedWidth(derived);
  const mlp = classifierMlp(W, mc);
  const c: ClassifierContext = { config, mlp, width: W, params: mlpParams(mlp), logitSession: await openSession(buildClassifierLogits({ mlp }), { threads: tc.threads }), progress: o.progress, signal: o.signal, resumeDir: o.resumeDir, checkpointRoot: o.checkpointDir };
  const z = classifierInput(pre, derived, both.x);
  // Each split: the rows its members train on, and the held rows they stop early on and are calibrated with.
  const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
  const fold = crossfit ? stratifiedFolds(both.y, mc.folds, tc.seed) : [];
  const splits = crossfit
    ? Array.from({ length: mc.folds }, (_, f) => ({ fit: fold.flatMap((g, i) => (g === f ? [] : [i])), held: fold.flatMap((g, i) => (g === f ? [i] : [])) }))
    : [{ fit: rows(0, o.train.n), held: rows(o.train.n, o.validation.n) }];
  const loops: LoopResult[] = [];
  const members: Float32Array[][] = [];
  let weights: [number, number] = [1, 1];
  try {
    // Each held row's logit, averaged over the members of the split that never trained on it.
    const heldLogit = new Float32Array(both.n);
    for (const [f, { fit, held }] of splits.entries()) {
      const sum = new Float64Array(held.length);
      for (let k = 0; k < mc.ensemble; k++) {
        // Members differ only in their seed (init, dropout masks, batch order); each stops early on its own held rows.
        const seed = tc.seed + f * 104729 + k * 7919;
        const tag = [crossfit ? `fold ${f + 1}/${splits.length}` : '', mc.ensemble > 1 ? `member ${k + 1}/${mc.ensemble}` : ''].filter(Boolean).join(' ');
        const dir = crossfit ? join(o.checkpointDir, `fold-${f}`, `member-${k}`) : mc.ensemble > 1 ? join(o.checkpointDir, `member-${k}`) : o.checkpointDir;
        const m = await trainMember(c, z, both.y, fit, held, seed, ['classifier', tag].filter(Boolean).join(' '), dir, f === 0 && k === 0 ? o.onEpoch : undefined);
        m.heldLogits.forEach((l, j) => (sum[j] = (sum[j] as number) + l));
        loops.push(m.loop);
        members.push(m.loop.best);
        if (f === 0 && k === 0) weights = m.weights;
      }
      held.forEach((r, j) => (heldLogit[r] = (sum[j] as number) / mc.ensemble));
    }
    // Platt and the threshold are fitted on every held row: all training-period rows when cross-fitted.
    const calibRows = splits.flatMap((sp) => sp.held).sort((a, b) => a - b);
    const calibY = Uint8Array.from(calibRows, (r) => both.y[r] as number);
    const calibLogits = Float32Array.from(calibRows, (r) => heldLogit[r] as number);
    const platt = fitPlatt(calibLogits, calibY);
    const model = { pre, mlp, params: members[0] as Float32Array[], platt, ...(derived ? { derived } : {}), ...(members.length > 1 ? { members } : {}) };
    const onnx = buildClassifierInference(model);
    // The threshold is a probability: Platt is monotonic, so calibrating it on sigmoid(a·logit + b) of the held-out
    // benign logits is the same cut as on the logits.
    const calibProbs = calibLogits.map((l) => 1 / (1 + Math.exp(-(platt.a * l + platt.b))));
    const benignProbs = calibProbs.filter((_, i) => !calibY[i]);
    return {
      kind: 'classifier',
      onnx,
      pre,
      threshold: thresholdForFpr(benignProbs, config.model.target_fpr),
      loop: mergeLoops(loops),
      trainRows: crossfit ? all.n : o.train.n,
      ...(crossfit ? { outOfFold: calibProbs } : {}),
      benignCalibration: benignProbs,
      model,
      calibProbs,
      calibRows,
      calibY,
      details: { detector: 'mlp', sizes: mlp.sizes.join('-'), calibration: mc.calibration, members: members.length, derived_features: derivedWidth(derived), platt_a: platt.a, platt_b: platt.b, weight_pos: weights[0], weight_neg: weights[1] },
    };
  } finally {
    await c.logitSession.release();
  }
}


/** One loop record for an ensemble: the first member's history and best epoch, every member's time, early stop if any stopped. */
function mergeLoops(loops: readonly LoopResult[]): LoopResult {
  const first = loops[0] as LoopResult;
  return { ...first, stoppedEarly: loops.some((l) => l.stoppedEarly), seconds: loops.reduce((a, l) => a + l.seconds, 0) };
}
