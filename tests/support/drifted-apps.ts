/**
 * @module A drifted set of self-made apps: the trainable layout with system calls that grew tenfold and permissions
 * that changed (INTERNET dropped, CAMERA asked for), over three months. Drift tests compare it with the training apps,
 * and post apps to `dfp serve` as appBodies makes them.
 */
import { FEATURE_COLUMNS } from '../../src/core/kronodroid/schema.ts';
import { writeCsv } from '../../src/ingest/testing.ts';
import { loadFileDataset } from '../../src/train/data.ts';
import { testConfig } from '../../src/train/testing.ts';

/** Writes `<dir>/<name>` with n drifted apps; returns its path. */
export function writeDriftedCsv(dir: string, name = 'drifted.csv', n = 200): string {
  const over: Record<number, Record<string, string>> = {};
  for (let k = 1; k <= n; k++) over[k] = { read: String(200 + k), write: String(500 + k), INTERNET: '0', CAMERA: '1', 'Highest-date': `2019-0${1 + (k % 3)}-15` };
  return writeCsv(dir, name, n, { first: 5000, over });
}

/** The apps of a KronoDroid file as /v1/score bodies (feature name → count; missing features left out), read in workspace `home`. */
export async function appBodies(home: string, file: string): Promise<Record<string, number>[]> {
  const { data } = await loadFileDataset(file, testConfig([], home));
  const F = FEATURE_COLUMNS.length;
  return Array.from({ length: data.n }, (_, i) => {
    const b: Record<string, number> = {};
    FEATURE_COLUMNS.forEach((c, j) => {
      const v = data.x[i * F + j]!;
      if (!Number.isNaN(v)) b[c] = v;
    });
    return b;
  });
}
