// The epoch loop shared by both models: seeded shuffles, full batches, early stopping, NaN/Inf guard, checkpoints.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DfpError } from '../core/errors.ts';
import { mulberry32 } from '../core/ml/prng.ts';
import type { Progress } from '../core/progress.ts';
import { shuffle } from './split.ts';
import type { StepRunner } from './step-runner.ts';

export interface EpochRecord {
  epoch: number;
  train_loss: number;
  val_loss: number;
  /** Validation ROC-AUC when validation has both classes, else NaN. */
  val_auc: number;
}

export interface LoopOptions {
  runner: StepRunner;
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
  let best = o.runner.params();
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let wait = 0;
  const history: EpochRecord[] = [];
  await saveCheckpoint(o.checkpointDir, best, 0, NaN);
  o.progress.start(`${o.label} epoch 0/${o.epochs}`, o.epochs, 'epochs');
  let stoppedEarly = false;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const perm = shuffle(order, rand);
    let sum = 0;
    for (let s = 0; s < steps; s++) {
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
    const val = await o.validate(o.runner.params());
    const rec: EpochRecord = { epoch, train_loss: sum / Math.max(1, steps), val_loss: val.loss, val_auc: val.auc };
    history.push(rec);
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
    const eta = (elapsed / epoch) * (o.epochs - epoch);
    const auc = Number.isFinite(val.auc) ? ` val_auc ${val.auc.toFixed(4)}` : '';
    o.progress.start(`${o.label} epoch ${epoch}/${o.epochs} loss ${rec.train_loss.toFixed(4)} val ${val.loss.toFixed(4)}${auc} (ETA ≤${eta.toFixed(0)}s)`, o.epochs, 'epochs');
    o.progress.update(epoch);
    if (wait >= o.patience) {
      stoppedEarly = true;
      break;
    }
  }
  o.progress.stop();
  return { best, bestEpoch, history, stoppedEarly, seconds: (performance.now() - t0) / 1000 };
}

/** Parameters as one little-endian float32 blob plus a JSON index, so a diverged run can be resumed or inspected. */
export async function saveCheckpoint(dir: string, params: readonly Float32Array[], epoch: number, valLoss: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const bytes = Buffer.concat(params.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
  await writeFile(join(dir, 'checkpoint.bin'), bytes);
  await writeFile(join(dir, 'checkpoint.json'), JSON.stringify({ epoch, val_loss: Number.isFinite(valLoss) ? valLoss : null, sizes: params.map((p) => p.length) }));
}
