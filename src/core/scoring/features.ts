// Where each raw KronoDroid feature name lands in the model's input vector (FEATURE_COLUMNS order), source spellings included.
import { FEATURE_COLUMNS, SOURCE_ALIASES, scoringRequiredColumns } from '../kronodroid/schema.ts';

/** Width of every model input row. */
export const N_FEATURES = FEATURE_COLUMNS.length;

/**
 * Name → column index. Lake names plus the published spellings (`REBOOT` for the permission REBOOT_PERMISSION);
 * case-sensitive, because the system call `reboot` and the permission `REBOOT` are different columns.
 */
export const FEATURE_INDEX: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>();
  FEATURE_COLUMNS.forEach((c, i) => m.set(c, i));
  for (const [alias, lake] of Object.entries(SOURCE_ALIASES)) {
    const i = m.get(lake);
    if (i !== undefined) m.set(alias, i);
  }
  return m;
})();

/** 1 where a request must give the feature, 0 where it may be left out (absent from some archives). */
export const REQUIRED_MASK: Uint8Array = (() => {
  const required = new Set(scoringRequiredColumns(FEATURE_COLUMNS));
  return Uint8Array.from(FEATURE_COLUMNS, (c) => (required.has(c) ? 1 : 0));
})();
export const N_REQUIRED = REQUIRED_MASK.reduce((a, b) => a + b, 0);
