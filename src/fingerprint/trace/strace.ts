/**
 * @module Reads `strace` text into call counts. Two shapes: a call per line (`strace -f`, with or without
 * `-t`/`-tt`/`-ttt`/`-r` timestamps, `-T` durations, `[pid N]` or `N` prefixes; an `<unfinished ...>` call is counted
 * once and its `<... resumed>` line not again), and the `-c` summary table (`calls` column). When a file holds both
 * (`-C`), the table is the count and the lines are not added to it. Signals, exits and strace's own messages are not
 * calls; any other line that is not a call is counted as unparsed and reported.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

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

/**
 * Counts calls line by line, so a trace of any size is read in one pass without holding it in memory. Feed it every
 * line (without its line end), then `result()`.
 */
export class StraceCounter {
  private readonly lineCalls = new Map<string, number>();
  private summary: Map<string, number> | undefined;
  /** Inside a -c table: until its `total` row (or a line that is not a row). */
  private inTable = false;
  private unparsed = 0;
  private firstUnparsed: string | undefined;

  push(line: string): void {
    if (this.inTable) {
      this.tableRow(line);
      return;
    }
    if (SUMMARY_HEADER.test(line)) {
      this.summary ??= new Map();
      this.inTable = true;
      return;
    }
    const m = CALL.exec(line);
    if (m) bump(this.lineCalls, m[1]!, 1);
    else if (!RESUMED.test(line) && !SKIP.test(line)) {
      this.unparsed++;
      this.firstUnparsed ??= line.slice(0, 120);
    }
  }

  /** One row of the -c table: % time, seconds, usecs/call, calls[, errors], syscall. */
  private tableRow(line: string): void {
    const t = line.trim().split(/\s+/);
    if (t[0] === '' || /^-+$/.test(t[0]!)) return;
    const name = t[t.length - 1]!;
    const nums = t.slice(0, -1);
    if (name === 'total' || nums.length < 3 || !nums.every((x) => /^\d+(\.\d+)?$/.test(x))) {
      this.inTable = false;
      return;
    }
    bump(this.summary!, name, Number(nums.length >= 4 ? nums[3] : nums[2]));
  }

  result(): TraceCounts {
    if (this.summary) return { calls: this.summary, shape: 'summary', unparsed: 0 };
    return { calls: this.lineCalls, shape: 'lines', unparsed: this.unparsed, ...(this.firstUnparsed !== undefined ? { firstUnparsed: this.firstUnparsed } : {}) };
  }
}

/** Counts the calls in one strace output held in memory. */
export function parseStrace(text: string): TraceCounts {
  const c = new StraceCounter();
  for (const line of text.split(/\r?\n/)) c.push(line);
  return c.result();
}

/** Counts the calls in an strace output file, streamed line by line (traces run to gigabytes). */
export async function readStraceFile(path: string): Promise<TraceCounts> {
  const c = new StraceCounter();
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) c.push(line);
  return c.result();
}
