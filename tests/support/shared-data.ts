/**
 * @module The real KronoDroid file that tests and benchmarks read in place (never copied into the repository):
 * DFP_KRONODROID_FILE when set, else the real 2019 subset in ../shared. A user's clone has no ../shared: tests
 * that need it skip with a visible message, benchmarks stop with one line.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TestContext } from 'node:test';

export const REAL_2019 = process.env.DFP_KRONODROID_FILE
  ? resolve(process.env.DFP_KRONODROID_FILE)
  : resolve(import.meta.dirname, '../../../shared/kronodroid/kronodroid-real-2019.csv');

const WHERE = 'set DFP_KRONODROID_FILE to a KronoDroid CSV, or put the real subset at ../shared/kronodroid/';

/** True when the real file is there; otherwise marks the test skipped with the reason and returns false. */
export function haveRealData(t: TestContext): boolean {
  if (existsSync(REAL_2019)) return true;
  t.skip(`${REAL_2019} not found: this test needs a real KronoDroid file (${WHERE})`);
  return false;
}

/** For benchmarks: the file's path, or one line on stderr and exit status 2 when it is missing (no stack trace). */
export function requireRealData(bench: string): string {
  if (existsSync(REAL_2019)) return REAL_2019;
  process.stderr.write(`${bench}: no KronoDroid file at ${REAL_2019} (${WHERE})\n`);
  process.exit(2);
}
