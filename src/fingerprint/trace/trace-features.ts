/**
 * @module strace outputs of one app → KronoDroid's 289 system-call columns (the 288 calls and their total
 * `nr_syscalls`), with the names that have no column reported in the warnings.
 */
import { SYSCALL_COLUMNS } from '../../core/kronodroid/schema.ts';
import { TOTAL_COLUMN, columnFor } from './syscall-columns.ts';
import type { TraceCounts } from './strace.ts';

export interface TraceFeatures {
  features: Record<string, number>;
  /** Call names without a KronoDroid column → count (left out of the columns and of nr_syscalls). */
  unknown: Record<string, number>;
  warnings: string[];
}

/** Sums the counts of every trace of one app (strace -ff writes one file per process) into the columns. */
export function traceFeatures(traces: readonly { name: string; counts: TraceCounts }[]): TraceFeatures {
  const features: Record<string, number> = Object.fromEntries(SYSCALL_COLUMNS.map((c) => [c, 0]));
  const unknown: Record<string, number> = {};
  const warnings: string[] = [];
  let total = 0;
  for (const { name, counts } of traces) {
    for (const [call, n] of counts.calls) {
      const col = columnFor(call);
      if (col === undefined) unknown[call] = (unknown[call] ?? 0) + n;
      else {
        features[col]! += n;
        total += n;
      }
    }
    if (counts.unparsed > 0) warnings.push(`${name}: ${counts.unparsed} line(s) are not strace calls and were skipped, e.g. '${counts.firstUnparsed}'`);
  }
  features[TOTAL_COLUMN] = total;
  const names = Object.keys(unknown).sort();
  if (names.length) warnings.push(`system calls without a KronoDroid column (not counted): ${names.map((n) => `${n} ×${unknown[n]}`).join(', ')}`);
  return { features, unknown, warnings };
}
