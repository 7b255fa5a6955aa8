/**
 * @module The one error type of dfp. Expected failures (bad input, missing files, conflicts) are
 * DfpErrors with a stable code and a message a user can act on; the CLI prints them as one line,
 * never as a stack trace. Anything else is a bug and keeps its stack.
 */

export type ErrorCode =
  | 'USAGE' // the command line is wrong
  | 'CONFIG_INVALID' // a config key or value is wrong
  | 'INPUT_INVALID' // an input file or request is malformed
  | 'SCHEMA_MISMATCH' // an input lacks required columns
  | 'NOT_FOUND' // a file, ref, table, run or model does not exist
  | 'CONFLICT' // a concurrent writer got there first
  | 'NETWORK' // a remote could not be reached or answered badly
  | 'AUTH' // credentials are missing or refused
  | 'STORAGE' // a storage backend failed
  | 'CORRUPT' // stored data is damaged: a lake object's bytes no longer match the hash it is named by
  | 'INTERRUPTED' // SIGINT/SIGTERM stopped the work; details.signal names it
  | 'INTERNAL';

export class DfpError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DfpError';
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export function isDfpError(e: unknown): e is DfpError {
  return e instanceof DfpError;
}

/**
 * Exit codes: 1 for expected failures, 2 for usage errors (including an input without the columns the command
 * needs: nothing was done, the input must change), 65 (EX_DATAERR) for damaged stored data (CORRUPT: a retry
 * cannot help, the data must be restored; see `dfp lake fsck`), 128 + the signal for INTERRUPTED (130 SIGINT, 143 SIGTERM),
 * 70 (EX_SOFTWARE) for bugs.
 */
export function exitCodeFor(e: unknown): number {
  if (!isDfpError(e) || e.code === 'INTERNAL') return 70;
  if (e.code === 'CORRUPT') return 65;
  if (e.code === 'INTERRUPTED') return interruptedExit(e);
  return e.code === 'USAGE' || e.code === 'CONFIG_INVALID' || e.code === 'SCHEMA_MISMATCH' ? 2 : 1;
}

/** 128 + the signal's number, as a shell reports a process a signal stopped: 130 for SIGINT, 143 for SIGTERM. */
function interruptedExit(e: DfpError): number {
  const cause = e.details?.cause as Record<string, unknown> | undefined; // a pipeline step keeps its cause's details there
  const signal = e.details?.signal ?? cause?.signal;
  return signal === 'SIGTERM' ? 143 : signal === 'SIGHUP' ? 129 : 130;
}

/** Message of any thrown value, for wrapping errors from libraries. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
