/**
 * @module Reads `strace` text into call counts. Two shapes: a call per line (`strace -f`, with or without
 * `-t`/`-tt`/`-ttt`/`-r` timestamps, `-T` durations, `[pid N]` or `N` prefixes; an `<unfinished ...>` call is counted
 * once and its `<... resumed>` line not again), and the `-c` summary table (`calls` column). When a file holds both
 * (`-C`), the table is the count and the lines are not added to it. Signals, exits and strace's own messages are not
 * calls; any other line that is not a call is counted as unparsed and reported.
 */

export interface TraceCounts {
  /** Call name as strace printed it → times called. */
  calls: Map<string, number>;
  /** 'lines' (one call per line) or 'summary' (the -c table). */
  shape: 'lines' | 'summary';
  /** Lines that were neither a call nor something known to skip, and the first of them. */
  unparsed: number;
  firstUnparsed?: string;
}

const CALL = /^\s*(?:\[pid\s+\d+\]\s*|\d+\s+)?(?:(?:\d+:\d+:\d+|\d+)(?:\.\d+)?\s+)?([A-Za-z_][A-Za-z0-9_]*)\(/;
const RESUMED = /^\s*(?:\[pid\s+\d+\]\s*|\d+\s+)?(?:(?:\d+:\d+:\d+|\d+)(?:\.\d+)?\s+)?<\.\.\. [A-Za-z0-9_]+ resumed>/;
const SKIP = /^\s*(?:\[pid\s+\d+\]\s*|\d+\s+)?(?:(?:\d+:\d+:\d+|\d+)(?:\.\d+)?\s+)?(?:---|\+\+\+|strace: |\?\?\?)|^\s*$/;
const SUMMARY_HEADER = /^\s*% time\s+seconds\s+usecs\/call\s+calls\s+(?:errors\s+)?syscall/;

function bump(m: Map<string, number>, k: string, n: number): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

/** Counts of one summary table's rows (the `total` row left out). */
function readSummary(lines: readonly string[], start: number): Map<string, number> {
  const calls = new Map<string, number>();
  for (let i = start + 1; i < lines.length; i++) {
    const t = lines[i]!.trim().split(/\s+/);
    if (t.length === 0 || t[0] === '' || /^-+$/.test(t[0]!)) continue;
    const name = t[t.length - 1]!;
    if (name === 'total') break;
    const nums = t.slice(0, -1);
    if (nums.length < 3 || !nums.every((x) => /^\d+(\.\d+)?$/.test(x))) break;
    // % time, seconds, usecs/call, calls[, errors]
    const n = Number(nums.length >= 4 ? nums[3] : nums[2]);
    bump(calls, name, n);
  }
  return calls;
}

/** Counts the calls in one strace output. */
export function parseStrace(text: string): TraceCounts {
  const lines = text.split(/\r?\n/);
  const header = lines.findIndex((l) => SUMMARY_HEADER.test(l));
  if (header >= 0) return { calls: readSummary(lines, header), shape: 'summary', unparsed: 0 };
  const calls = new Map<string, number>();
  let unparsed = 0;
  let firstUnparsed: string | undefined;
  for (const line of lines) {
    const m = CALL.exec(line);
    if (m) bump(calls, m[1]!, 1);
    else if (!RESUMED.test(line) && !SKIP.test(line)) {
      unparsed++;
      firstUnparsed ??= line.slice(0, 120);
    }
  }
  return { calls, shape: 'lines', unparsed, ...(firstUnparsed !== undefined ? { firstUnparsed } : {}) };
}
