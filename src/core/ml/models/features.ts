// Which KronoDroid columns a model sees, how each is treated (count / binary / numeric), and the feature-list hash.
import { createHash } from 'node:crypto';
import { DfpError } from '../../errors.ts';
import {
  FEATURE_COLUMNS,
  LABEL_COLUMN,
  LEAKING_COLUMNS,
  PERMISSION_AGGREGATE_COLUMNS,
  PERMISSION_COLUMNS,
  STATIC_AGGREGATE_COLUMNS,
  SYSCALL_COLUMNS,
  lakeName,
} from '../../kronodroid/schema.ts';

/** Group names usable in model.exclude_features, so a whole family of columns can be left out at once. */
export const FEATURE_GROUPS: Readonly<Record<string, readonly string[]>> = {
  '@syscalls': SYSCALL_COLUMNS,
  '@permissions': PERMISSION_COLUMNS.map(lakeName),
  '@permission_aggregates': PERMISSION_AGGREGATE_COLUMNS,
  '@static': STATIC_AGGREGATE_COLUMNS,
};

/** count: log1p then standardised, MSE; binary: 0/1 flag, BCE; numeric: standardised, MSE. */
export type FeatureKind = 'count' | 'binary' | 'numeric';

const BINARY = new Set<string>(PERMISSION_COLUMNS.map(lakeName));
const NUMERIC = new Set<string>(PERMISSION_AGGREGATE_COLUMNS);
const FORBIDDEN = new Set<string>([...LEAKING_COLUMNS, LABEL_COLUMN, 'Detection_Ratio', 'Scanners', 'sha256', 'Package']);

/** Permission flags are binary, permission aggregates are small plain numbers, everything else is a heavy-tailed count. */
export function featureKind(column: string): FeatureKind {
  if (BINARY.has(column)) return 'binary';
  if (NUMERIC.has(column)) return 'numeric';
  return 'count';
}

/** sha256 over the ordered column names; two models with the same hash read the same input vector. */
export function featureListHash(columns: readonly string[]): string {
  return createHash('sha256').update(columns.join('\n')).digest('hex');
}

/** The hash every dfp model's input has: the raw vector is always FEATURE_COLUMNS, in order. */
export const FEATURE_LIST_HASH = featureListHash(FEATURE_COLUMNS);

/**
 * Throws when a label-leaking or identifying column would enter a model. Called on every input column list
 * and on the exported metadata, so a schema change that adds such a column fails loudly instead of leaking.
 */
export function assertNoLeakage(columns: readonly string[]): void {
  const bad = columns.filter((c) => FORBIDDEN.has(c));
  if (bad.length > 0) throw new DfpError('INPUT_INVALID', `label-leaking or identifying columns may never be model features: ${bad.join(', ')}`, { columns: bad });
  const known = new Set(FEATURE_COLUMNS);
  const unknown = columns.filter((c) => !known.has(c));
  if (unknown.length > 0) throw new DfpError('INPUT_INVALID', `not KronoDroid feature columns: ${unknown.slice(0, 5).join(', ')}`, { columns: unknown });
}

/**
 * Features a model uses: FEATURE_COLUMNS minus `exclude`. The raw input stays the full FEATURE_COLUMNS vector;
 * an excluded column is zeroed inside the model, so every model keeps one input contract.
 */
export function activeMask(exclude: readonly string[]): boolean[] {
  const known = new Set(FEATURE_COLUMNS);
  const expanded = exclude.flatMap((c) => FEATURE_GROUPS[c] ?? [c]);
  const unknown = expanded.filter((c) => !known.has(c));
  if (unknown.length > 0) {
    throw new DfpError('CONFIG_INVALID', `model.exclude_features names columns that are not features: ${unknown.join(', ')} (groups: ${Object.keys(FEATURE_GROUPS).join(', ')})`, { key: 'model.exclude_features' });
  }
  const ex = new Set(expanded);
  return FEATURE_COLUMNS.map((c) => !ex.has(c));
}

const SYSCALL_SET = new Set<string>(SYSCALL_COLUMNS);

/**
 * True when the mask leaves out every system-call column: the model's score cannot depend on them, so it can score an
 * app known from its APK alone (no trace). `model.exclude_features=["@syscalls"]` makes such a model.
 */
export function isStaticOnly(active: readonly boolean[]): boolean {
  return FEATURE_COLUMNS.every((c, j) => !SYSCALL_SET.has(c) || active[j] === false);
}
