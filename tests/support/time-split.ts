/**
 * @module The shared file's time split as dense matrices, for tests and benchmarks that need real rows without a
 * lake: months before `testFrom` train, the months from it on test (rows without a month are left out).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config/load.ts';
import { FEATURE_COLUMNS } from '../../src/core/kronodroid/schema.ts';
import type { Rows } from '../../src/core/ml/trees/boost.ts';
import { loadFileDataset } from '../../src/train/data.ts';

export interface TimeSplit {
  train: Rows;
  test: Rows;
}

export async function timeSplit(file: string, testFrom = '2019-10'): Promise<TimeSplit> {
  const F = FEATURE_COLUMNS.length;
  const home = mkdtempSync(join(tmpdir(), 'dfp-split-'));
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
