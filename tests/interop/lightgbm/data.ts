/**
 * @module The shared file's time split as raw matrices LightGBM's peer script reads (tests/interop/lightgbm/peer.py):
 * months before 2019-10 train, 2019-10..12 test, the same rows and the same raw features dfp's learner gets.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/core/config/load.ts';
import { FEATURE_COLUMNS } from '../../../src/core/kronodroid/schema.ts';
import type { BoostParams, Rows } from '../../../src/core/ml/trees/boost.ts';
import { loadFileDataset } from '../../../src/train/data.ts';

export const F = FEATURE_COLUMNS.length;

export interface TimeSplit {
  train: Rows;
  test: Rows;
}

/** Rows of months < testFrom train, the rest (with a month) test. */
export async function timeSplit(file: string, testFrom = '2019-10'): Promise<TimeSplit> {
  const home = mkdtempSync(join(tmpdir(), 'dfp-trees-'));
  const { config } = loadConfig({ env: { DFP_HOME: home }, overrides: [] });
  const { data } = await loadFileDataset(file, config);
  const pick = (keep: (m: string) => boolean): Rows => {
    const idx = data.month.flatMap((m, i) => (m !== null && keep(m) ? [i] : []));
    const x = new Float32Array(idx.length * F);
    idx.forEach((r, k) => x.set(data.x.subarray(r * F, (r + 1) * F), k * F));
    return { x, y: Uint8Array.from(idx, (r) => data.y[r]!), n: idx.length };
  };
  return { train: pick((m) => m < testFrom), test: pick((m) => m >= testFrom) };
}

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
