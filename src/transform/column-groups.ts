// Column macros: named groups of KronoDroid columns (from the schema module, plus families declared in
// the project's YAML) expanded into SQL lists, so a model never spells out 289 system calls by hand.
import { DfpError } from '../core/errors.ts';
import {
  NORMALISED_COLUMNS,
  PERMISSION_AGGREGATE_COLUMNS,
  PERMISSION_COLUMNS,
  STATIC_AGGREGATE_COLUMNS,
  SYSCALL_COLUMNS,
  lakeName,
} from '../core/kronodroid/schema.ts';
import type { MacroCall } from './template.ts';

/** Groups every project gets, from the schema contract. */
export const BUILTIN_GROUPS: Readonly<Record<string, readonly string[]>> = {
  /** All 289 dynamic columns, ending with the dataset's own total `nr_syscalls`. */
  syscalls: SYSCALL_COLUMNS,
  /** The 288 individual system calls (no `nr_syscalls`): what sums and distinct counts run over. */
  syscall_calls: SYSCALL_COLUMNS.filter((c) => c !== 'nr_syscalls'),
  /** The 166 permission flags, by their lake names (REBOOT → REBOOT_PERMISSION). */
  permissions: PERMISSION_COLUMNS.map(lakeName),
  permission_aggregates: PERMISSION_AGGREGATE_COLUMNS,
  static_aggregates: STATIC_AGGREGATE_COLUMNS,
};

const TYPES = new Map(NORMALISED_COLUMNS.map((c) => [c.name, c.type]));

/** Standard-SQL quoted identifier (DuckDB, Postgres, and Spark with ANSI quoting). */
export function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Merges built-in and project groups; project groups may only name columns the lake has. */
export function resolveGroups(custom: Record<string, string[]>, where: string): Record<string, readonly string[]> {
  const groups: Record<string, readonly string[]> = { ...BUILTIN_GROUPS };
  for (const [name, columns] of Object.entries(custom)) {
    if (name in BUILTIN_GROUPS) throw new DfpError('INPUT_INVALID', `${where}: column group '${name}' is built in; pick another name`);
    const unknown = columns.filter((c) => !TYPES.has(c));
    if (unknown.length) {
      throw new DfpError('INPUT_INVALID', `${where}: column group '${name}' names columns the lake does not have: ${unknown.join(', ')}`, { group: name, unknown });
    }
    groups[name] = columns;
  }
  return groups;
}

function group(groups: Record<string, readonly string[]>, call: MacroCall, at: string): readonly string[] {
  const name = call.args[0];
  const cols = name === undefined ? undefined : groups[name];
  if (!cols) throw new DfpError('INPUT_INVALID', `${at}: ${call.name}() needs a column group; known: ${Object.keys(groups).join(', ')}`);
  return cols;
}

/**
 * The column macros:
 * - `columns('g')` → `"a", "b", …`; `prefix='s.'` qualifies them; `cast='true'` → `CAST("a" AS BIGINT) AS "a"` with the lake type;
 * - `sum('g')` → `(COALESCE("a", 0) + …)`: NULL counts as 0;
 * - `count_nonzero('g')` → `(CASE WHEN "a" > 0 THEN 1 ELSE 0 END + …)`.
 */
export function expandColumnMacro(call: MacroCall, groups: Record<string, readonly string[]>, at: string): string | undefined {
  const prefix = call.kwargs.prefix ?? '';
  const col = (c: string) => `${prefix}${quote(c)}`;
  switch (call.name) {
    case 'columns': {
      const cols = group(groups, call, at);
      if (call.kwargs.cast === 'true') return cols.map((c) => `CAST(${col(c)} AS ${TYPES.get(c) ?? 'VARCHAR'}) AS ${quote(c)}`).join(', ');
      return cols.map(col).join(', ');
    }
    case 'sum':
      return `(${group(groups, call, at).map((c) => `COALESCE(${col(c)}, 0)`).join(' + ')})`;
    case 'count_nonzero':
      return `(${group(groups, call, at).map((c) => `CASE WHEN ${col(c)} > 0 THEN 1 ELSE 0 END`).join(' + ')})`;
    default:
      return undefined;
  }
}
