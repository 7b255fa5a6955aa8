/**
 * @module The real KronoDroid subset in ../shared, read in place (never copied into the repository).
 * A user's clone has no ../shared: tests that need it skip with a visible message.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TestContext } from 'node:test';

export const REAL_2019 = resolve(import.meta.dirname, '../../../shared/kronodroid/kronodroid-real-2019.csv');

/** True when the real file is there; otherwise marks the test skipped with the reason and returns false. */
export function haveRealData(t: TestContext): boolean {
  if (existsSync(REAL_2019)) return true;
  t.skip(`${REAL_2019} not found: this test needs the real KronoDroid subset from ../shared`);
  return false;
}
