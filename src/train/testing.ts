// Synthetic labelled KronoDroid-shaped data for the training tests (seeded; malware uses a few syscalls more often).
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { loadConfig } from '../core/config/load.ts';
import type { DfpConfig } from '../core/config/schema.ts';
import { featureKind } from '../core/ml/models/features.ts';
import { mulberry32 } from '../core/ml/prng.ts';
import type { Dataset } from './data.ts';

export function synthDataset(n: number, seed: number, months = ['2019-01', '2019-02', '2019-03', '2019-04']): Dataset {
  const F = FEATURE_COLUMNS.length;
  const r = mulberry32(seed);
  const x = new Float32Array(n * F);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = r() < 0.25 ? 1 : 0;
    for (let j = 0; j < F; j++) {
      const kind = featureKind(FEATURE_COLUMNS[j]!);
      const boost = y[i] && j % 17 === 0 ? 8 : 1;
      x[i * F + j] = kind === 'binary' ? (r() < (y[i] && j % 5 === 0 ? 0.8 : 0.2) ? 1 : 0) : Math.floor(r() * 20 * boost);
    }
  }
  return {
    n,
    x,
    y,
    sha256: Array.from({ length: n }, (_, i) => `app${String(i).padStart(5, '0')}`),
    month: Array.from({ length: n }, (_, i) => months[i % months.length]!),
    family: Array.from({ length: n }, (_, i) => (y[i] ? `fam${i % 3}` : null)),
    category: Array.from({ length: n }, () => null),
  };
}

/** The shipped config with overrides, for tests (workspace in a temp dir). */
export function testConfig(overrides: string[], workspace: string): DfpConfig {
  return loadConfig({ overrides: [`workspace=${workspace}`, ...overrides], env: {} }).config;
}
