// The epoch loop shared by both models: seeded shuffles, full batches, early stopping, NaN/Inf guard, checkpoints,
// a stop between two steps when the process is interrupted, and a warm start from an interrupted run's checkpoint.
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DfpError } from '../core/errors.ts';
import { mulberry32 } from '../core/ml/prng.ts';
import type { Progress } from '../core/progress.ts';
import { checkInterrupted } from './interrupt.ts';
import { shuffle } from './split.ts';
import type { TrainStepRunner } from './step-runner.ts';

export interface EpochRecord {
  epoch: number;
  train_loss: number;
  val_loss: number;
  /** Validation ROC-AUC when validation has both classes, else NaN. */
  val_auc: number;
}

export interface LoopOptions {
  runner: TrainStepRunner;
  nTrain: number;
  batchSize: number;
  epochs: number;
  patience: number;
  minDelta: number;
  seed: number;
  /** Feeds for one batch of train-row positions. */
  batch: (rows: readonly number[]) => Record<string, { data: Float32Array; dims: number[] }>;
  /** Validation loss (lower is better) and AUC for the given parameters. */
  validate: (params: Float32Array[]) => Promise<{ loss: number; auc: number }>;
  progress: Progress;
  label: string;
  /** Directory for checkpoint.json / checkpoint.bin (the best parameters so far). */
  checkpointDir: string;
  onEpoch?: (r: EpochRecord) => Promise<void> | void;
  /** Aborted on SIGINT/SIGTERM: the loop stops before its next step, the checkpoint kept (see interrupt.ts). */
  signal?: AbortSignal;
  /**
   * Checkpoint directory of an interrupted run to continue from: its best parameters, epoch and history. Adam's moments
   * start afresh, so a resumed run is close to, not bit-identical with, an uninterrupted one.
   */
  resumeFrom?: string;
}

export interface LoopResult {
  best: Float32Array[];
  bestEpoch: number;
  history: EpochRecord[];
  stoppedEarly: boolean;
  seconds: number;
}

export async function trainLoop(o: LoopOptions): Promise<LoopResult> {
  const t0 = performance.now();
  const rand = mulberry32((o.seed ^ 0x68e31da4) >>> 0);
  const order = Array.from({ length: o.nTrain }, (_, i) => i);
  const steps = Math.floor(o.nTrain / o.batchSize);
  const resumed = o.resumeFrom ? await loadCheckpoint(o.resumeFrom, o.runner.params()) : null;
  if (resumed) o.runner.setParams(resumed.params);
  let best = o.runner.params();
  let bestLoss = resumed?.valLoss ?? Infinity;
  let bestEpoch = resumed?.epoch ?? 0;
  let wait = 0;
  const history: EpochRecord[] = resumed ? [...resumed.history] : [];
  await saveCheckpoint(o.checkpointDir, best, bestEpoch, bestLoss, resumed?.complete ? { complete: resumed.complete } : {});
  await writeFile(join(o.checkpointDir, HISTORY), history.map((h) => `${JSON.stringify(h)}\n`).join(''));
  // A member the interrupted run had finished is taken as it was.
  if (resumed?.complete) return { best, bestEpoch, history, stoppedEarly: resumed.complete.stopped_early, seconds: 0 };
  o.progress.start(`${o.label} epoch ${bestEpoch}/${o.epochs}`, o.epochs, 'epochs');
  let stoppedEarly = false;
  const firstEpoch = bestEpoch;
  const stopIfInterrupted = () => {
    if (!o.signal?.aborted) return;
    o.progress.stop();
    checkInterrupted(o.signal);
  };
  for (let epoch = bestEpoch + 1; epoch <= o.epochs; epoch++) {
    const perm = shuffle(order, rand);
    let sum = 0;
    for (let s = 0; s < steps; s++) {
      stopIfInterrupted();
      const loss = await o.runner.step(o.batch(perm.slice(s * o.batchSize, (s + 1) * o.batchSize)));
      if (!Number.isFinite(loss) || !o.runner.finite()) {
        o.progress.stop();
        throw new DfpError(
          'CONFIG_INVALID',
          `training diverged at epoch ${epoch}, step ${s + 1} (loss ${loss}); the last good checkpoint (epoch ${bestEpoch}) is kept in ${o.checkpointDir}. Lower train.lr (now ${o.runner.lr}) or the group weights`,
          { key: 'train.lr', epoch, step: s + 1, loss: String(loss), checkpoint: o.checkpointDir, best_epoch: bestEpoch },
        );
      }
      sum += loss;
    }
    stopIfInterrupted();
    const val = await o.validate(o.runner.params());
    const rec: EpochRecord = { epoch, train_loss: sum / Math.max(1, steps), val_loss: val.loss, val_auc: val.auc };
    history.push(rec);
    await appendFile(join(o.checkpointDir, HISTORY), `${JSON.stringify(rec)}\n`); // one line per epoch: no rewrite of the past
    await o.onEpoch?.(rec);
    if (val.loss < bestLoss - o.minDelta) {
      bestLoss = val.loss;
      best = o.runner.params();
      bestEpoch = epoch;
      wait = 0;
      await saveCheckpoint(o.checkpointDir, best, epoch, val.loss);
    } else if (Number.isFinite(val.loss)) {
      wait++;
    }
    const elapsed = (performance.now() - t0) / 1000;
    const eta = (elapsed / (epoch - firstEpoch)) * (o.epochs - epoch);
    const auc = Number.isFinite(val.auc) ? ` val_auc ${val.auc.toFixed(4)}` : '';
    o.progress.start(`${o.label} epoch ${epoch}/${o.epochs} loss ${rec.train_loss.toFixed(4)} val ${val.loss.toFixed(4)}${auc} (ETA ≤${eta.toFixed(0)}s)`, o.epochs, 'epochs');
    o.progress.update(epoch);
    if (wait >= o.patience) {
      stoppedEarly = true;
      break;
    }
  }
  o.progress.stop();
  await saveCheckpoint(o.checkpointDir, best, bestEpoch, bestLoss, { complete: { stopped_early: stoppedEarly } });
  return { best, bestEpoch, history, stoppedEarly, seconds: (performance.now() - t0) / 1000 };
}

/** Beside the checkpoint: one JSON line per epoch run. */
const HISTORY = 'history.jsonl';

interface CheckpointIndex {
  epoch: number;
  val_loss: number | null;
  sizes: number[];
  /** Set when the loop ended normally (early stop or last epoch): a resume takes these parameters as final. */
  complete?: { stopped_early: boolean };
}

export interface Checkpoint {
  epoch: number;
  valLoss: number;
  params: Float32Array[];
  history: EpochRecord[];
  complete?: { stopped_early: boolean };
}

/**
 * Parameters as one little-endian float32 blob plus a JSON index, so an interrupted or diverged run can be resumed or
 * inspected. Each file is written beside and renamed over the last, so a kill mid-write leaves the previous checkpoint.
 */
export async function saveCheckpoint(dir: string, params: readonly Float32Array[], epoch: number, valLoss: number, extra: Pick<CheckpointIndex, 'complete'> = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  const bytes = Buffer.concat(params.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
  const index: CheckpointIndex = { epoch, val_loss: Number.isFinite(valLoss) ? valLoss : null, sizes: params.map((p) => p.length), ...extra };
  await writeFile(join(dir, 'checkpoint.bin.tmp'), bytes);
  await writeFile(join(dir, 'checkpoint.json.tmp'), JSON.stringify(index));
  await rename(join(dir, 'checkpoint.bin.tmp'), join(dir, 'checkpoint.bin'));
  await rename(join(dir, 'checkpoint.json.tmp'), join(dir, 'checkpoint.json'));
}

/** The checkpoint in `dir` shaped like `like` (the model's parameters), or null when there is none. */
export async function loadCheckpoint(dir: string, like: readonly Float32Array[]): Promise<Checkpoint | null> {
  if (!existsSync(join(dir, 'checkpoint.json'))) return null;
  const index = JSON.parse(await readFile(join(dir, 'checkpoint.json'), 'utf8')) as CheckpointIndex;
  const bytes = await readFile(join(dir, 'checkpoint.bin'));
  const want = like.map((p) => p.length);
  if (index.sizes.length !== want.length || index.sizes.some((n, k) => n !== want[k]) || bytes.length !== want.reduce((a, n) => a + n, 0) * 4) {
    throw new DfpError('CONFIG_INVALID', `the checkpoint in ${dir} does not fit this model (parameter sizes ${index.sizes.join(',')}, the model has ${want.join(',')}); resume with the model settings of the interrupted run`, { checkpoint: dir });
  }
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  let at = 0;
  const params = want.map((n) => all.slice(at, (at += n)));
  // The epochs up to the checkpoint (all of them for a finished loop), so a resumed run reports its whole history.
  const lines = existsSync(join(dir, HISTORY)) ? (await readFile(join(dir, HISTORY), 'utf8')).split('\n').filter(Boolean) : [];
  const history = lines.map((l) => JSON.parse(l) as EpochRecord).filter((h) => index.complete !== undefined || h.epoch <= index.epoch);
  return { epoch: index.epoch, valLoss: index.val_loss ?? Infinity, params, history, ...(index.complete ? { complete: index.complete } : {}) };
}
