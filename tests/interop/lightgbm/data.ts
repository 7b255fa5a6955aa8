/**
 * @module LightGBM's peer (tests/interop/lightgbm/peer.py) on the same rows and raw features dfp's learner gets,
 * handed over as raw float32/uint8 files.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEATURE_COLUMNS } from '../../../src/core/kronodroid/schema.ts';
import type { BoostParams } from '../../../src/core/ml/trees/boost.ts';
import type { TimeSplit } from '../../support/time-split.ts';

export const F = FEATURE_COLUMNS.length;

export const PYTHON = process.env.DFP_PYTHON ?? 'python3';

/** Why LightGBM cannot run here, or null when it can. */
export function lightgbmMissing(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import lightgbm, sklearn, numpy'], { encoding: 'utf8' });
  return r.status === 0 ? null : `LightGBM is not importable by ${PYTHON} (pip install lightgbm): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
}

/** Trains LightGBM on the same rows with the equivalent parameters; its test AUC and training seconds. */
export function runLightgbm(split: TimeSplit, params: BoostParams, threads = 2): { roc_auc?: number; train_seconds: number; folder: string } {
  const folder = mkdtempSync(join(tmpdir(), 'dfp-lightgbm-'));
  writeFileSync(join(folder, 'meta.json'), JSON.stringify({ n_train: split.train.n, n_test: split.test.n, features: F, params, threads }));
  writeFileSync(join(folder, 'x_train.f32'), split.train.x);
  writeFileSync(join(folder, 'y_train.u8'), split.train.y);
  writeFileSync(join(folder, 'x_test.f32'), split.test.x);
  writeFileSync(join(folder, 'y_test.u8'), split.test.y);
  const r = spawnSync(PYTHON, [join(import.meta.dirname, 'peer.py'), folder], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`LightGBM peer failed (exit ${r.status}): ${r.stderr}`);
  return { ...(JSON.parse(r.stdout.trim().split('\n').pop()!) as { roc_auc?: number; train_seconds: number }), folder };
}
