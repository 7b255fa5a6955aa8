/**
 * @module A drifted set of self-made apps: the trainable layout with system calls that grew tenfold and permissions
 * that changed (INTERNET dropped, CAMERA asked for), over three months. Drift tests compare it with the training apps.
 */
import { writeCsv } from '../../src/ingest/testing.ts';

/** Writes `<dir>/<name>` with n drifted apps; returns its path. */
export function writeDriftedCsv(dir: string, name = 'drifted.csv', n = 200): string {
  const over: Record<number, Record<string, string>> = {};
  for (let k = 1; k <= n; k++) over[k] = { read: String(200 + k), write: String(500 + k), INTERNET: '0', CAMERA: '1', 'Highest-date': `2019-0${1 + (k % 3)}-15` };
  return writeCsv(dir, name, n, { first: 5000, over });
}
