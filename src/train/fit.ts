// Fits either model on a split: preprocessing, training loop, calibration on validation, export with preprocessing baked in.
import { join } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError } from '../core/errors.ts';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { names } from '../core/ml/graph/mlp.ts';
import { autoencoderMlp, buildAutoencoderEval, buildAutoencoderInference, buildAutoencoderTrainStep, featureWeights } from '../core/ml/models/autoencoder.ts';
import { rocAuc, thresholdForFpr } from '../core/ml/eval/index.ts';
import { fitPlatt } from '../core/ml/models/calibrate.ts';
import { buildClassifierInference, buildClassifierLogits, buildClassifierTrainStep, classifierInput, classifierMlp, meanBce } from '../core/ml/models/classifier.ts';
import { derivedWidth, fitDerived } from '../core/ml/models/derived.ts';
import { type ErrorStats, errorStats } from '../core/ml/models/explain.ts';
import { type PreprocessSpec, fitPreprocess, preprocess } from '../core/ml/models/preprocess.ts';
import type { MlpSpec, ParamInfo } from '../core/ml/graph/mlp.ts';
import { mulberry32 } from '../core/ml/prng.ts';
import type { Progress } from '../core/progress.ts';
import type { Dataset } from './data.ts';
import { openSession, ort } from './engine/session.ts';
import { type EpochRecord, type LoopResult, trainLoop } from './loop.ts';
import { subset } from './split.ts';
import { StepRunner } from './step-runner.ts';

export interface FitOptions {
  config: DfpConfig;
  train: Dataset;
  validation: Dataset;
  progress: Progress;
  checkpointDir: string;
  onEpoch?: (r: EpochRecord) => Promise<void> | void;
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

async function scoreRaw(onnx: Uint8Array, x: Float32Array, threads: number): Promise<{ score: Float32Array; featureError?: Float32Array }> {
  const s = await openSession(onnx, { threads });
  try {
    const out = await s.run({ x: new ort.Tensor('float32', x, [x.length / F, F]) });
    const fe = out.feature_error as ort.Tensor | undefined;
    return { score: (out.score as ort.Tensor).data as Float32Array, ...(fe ? { featureError: fe.data as Float32Array } : {}) };
  } finally {
    await s.release();
  }
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
  const runner = await StepRunner.create(graph, { seed: tc.seed, lr: tc.lr, threads: tc.threads });
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
    const scored = await scoreRaw(onnx, o.validation.x, tc.threads);
    const benignScores = valBenignIdx.map((i) => scored.score[i] as number);
    const benignErrors = rowsOf(scored.featureError as Float32Array, valBenignIdx);
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

export async function fitClassifier(o: FitOptions): Promise<Fitted> {
  const { config } = o;
  const mc = config.model.classifier;
  const tc = config.train;
  const train = o.train;
  need(train, 'the training set', 2);
  const pos = train.y.reduce((a, b) => a + b, 0);
  if (pos === 0 || pos === train.n) throw new DfpError('INPUT_INVALID', `the classifier needs both classes in the training months; found ${pos} malware of ${train.n} apps`);
  const pre = fitPreprocess(train.x, { exclude: config.model.exclude_features, clip: config.model.clip });
  const derived = fitDerived(pre, train.x, { share: mc.syscall_share, used: mc.syscall_used, shareScale: mc.syscall_share_scale });
  const W = F + derivedWidth(derived);
  const zTrain = classifierInput(pre, derived, train.x);
  const zVal = classifierInput(pre, derived, o.validation.x);
  // Balanced class weights: each class contributes half of the loss.
  const wPos = mc.class_weight === 'balanced' ? train.n / (2 * pos) : 1;
  const wNeg = mc.class_weight === 'balanced' ? train.n / (2 * (train.n - pos)) : 1;
  const [tPos, tNeg] = [1 - mc.label_smoothing / 2, mc.label_smoothing / 2];
  const mlp = classifierMlp(W, mc);
  const B = Math.min(tc.batch_size, train.n);
  const graph = buildClassifierTrainStep({ mlp, batch: B, weightDecay: mc.weight_decay });
  const logitSession = await openSession(buildClassifierLogits({ mlp }), { threads: tc.threads });
  const valLogits = async (params: Float32Array[]): Promise<Float32Array> => {
    const out = await logitSession.run({ x: new ort.Tensor('float32', zVal, [o.validation.n, W]), ...paramFeeds(graph.params, params) });
    return (out.logit as ort.Tensor).data as Float32Array;
  };
  const loops: LoopResult[] = [];
  try {
    // Members differ only in their seed (init, dropout masks, batch order); each stops early on its own validation loss.
    for (let k = 0; k < mc.ensemble; k++) {
      const seed = tc.seed + k * 7919;
      const runner = await StepRunner.create(graph, { seed, lr: tc.lr, threads: tc.threads });
      try {
        loops.push(
          await trainLoop({
            runner,
            nTrain: train.n,
            batchSize: B,
            epochs: tc.epochs,
            patience: tc.patience,
            minDelta: tc.min_delta,
            seed,
            progress: o.progress,
            label: mc.ensemble > 1 ? `classifier ${k + 1}/${mc.ensemble}` : 'classifier',
            checkpointDir: mc.ensemble > 1 ? join(o.checkpointDir, `member-${k}`) : o.checkpointDir,
            onEpoch: k === 0 ? o.onEpoch : undefined,
            batch: (rows) => ({
              [names.x(0)]: { data: rowsOf(zTrain, rows, W), dims: [rows.length, W] },
              [names.target(0)]: { data: Float32Array.from(rows, (r) => (train.y[r] ? tPos : tNeg)), dims: [rows.length, 1] },
              weight: { data: Float32Array.from(rows, (r) => (train.y[r] ? wPos : wNeg)), dims: [rows.length, 1] },
            }),
            validate: async (params) => {
              const logits = await valLogits(params);
              return { loss: meanBce(logits, o.validation.y), auc: rocAuc(o.validation.y, logits) };
            },
          }),
        );
      } finally {
        await runner.release();
      }
    }
    const members = loops.map((l) => l.best);
    const sum = new Float64Array(o.validation.n);
    for (const p of members) (await valLogits(p)).forEach((l, i) => (sum[i] = (sum[i] as number) + l));
    const platt = fitPlatt(Float32Array.from(sum, (v) => v / members.length), o.validation.y);
    const model = { pre, mlp, params: members[0] as Float32Array[], platt, ...(derived ? { derived } : {}), ...(members.length > 1 ? { members } : {}) };
    const onnx = buildClassifierInference(model);
    const scored = await scoreRaw(onnx, o.validation.x, tc.threads);
    const benignScores = benignRows(o.validation).map((i) => scored.score[i] as number);
    const loop = mergeLoops(loops);
    return {
      kind: 'classifier',
      onnx,
      pre,
      threshold: thresholdForFpr(benignScores, config.model.target_fpr),
      loop,
      trainRows: train.n,
      details: { sizes: mlp.sizes.join('-'), members: members.length, derived_features: derivedWidth(derived), platt_a: platt.a, platt_b: platt.b, weight_pos: wPos, weight_neg: wNeg },
    };
  } finally {
    await logitSession.release();
  }
}

/** One loop record for an ensemble: the first member's history and best epoch, every member's time, early stop if any stopped. */
function mergeLoops(loops: readonly LoopResult[]): LoopResult {
  const first = loops[0] as LoopResult;
  return { ...first, stoppedEarly: loops.some((l) => l.stoppedEarly), seconds: loops.reduce((a, l) => a + l.seconds, 0) };
}
