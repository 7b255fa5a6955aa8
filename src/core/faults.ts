/**
 * @module Faults of the environment, named. A full disk, a read-only mount, a file where a directory should be or
 * too many open files are not bugs in dfp, so they must not surface as INTERNAL (exit 70): `asDfpError` turns Node's
 * filesystem errors and DuckDB's I/O and parse errors into DfpErrors with a code and a next step, and leaves
 * INTERNAL for what is left, which is a bug. Callers that know more (which object, which table) wrap earlier; this
 * is the last line, used where errors leave a command.
 */
import { DfpError, type ErrorCode, isDfpError, messageOf } from './errors.ts';

interface Errno {
  code: string;
  syscall?: string;
  path?: string;
  dest?: string;
}

/** errno → [code, what happened, what to do]. */
const ERRNO: Record<string, [ErrorCode, string, string]> = {
  EACCES: ['STORAGE', 'permission denied', 'make it accessible to this user or point DFP_HOME at a directory you can write'],
  EPERM: ['STORAGE', 'operation not permitted', 'make it accessible to this user or point DFP_HOME at a directory you can write'],
  ENOSPC: ['STORAGE', 'no space left on device', 'free space on that file system or point DFP_HOME at another one'],
  EDQUOT: ['STORAGE', 'disk quota exceeded', 'free space or raise the quota, or point DFP_HOME elsewhere'],
  EROFS: ['STORAGE', 'read-only file system', 'point DFP_HOME (or the path given) at a writable file system'],
  ENOTDIR: ['STORAGE', 'a part of the path is a file, not a directory', 'move that file away or choose another path'],
  EISDIR: ['STORAGE', 'is a directory, expected a file', 'give the path of a file'],
  EMFILE: ['STORAGE', 'too many open files in this process', 'raise the limit (ulimit -n) and try again'],
  ENFILE: ['STORAGE', 'too many open files on this system', 'close other programs or raise the system limit (fs.file-max)'],
  EIO: ['STORAGE', 'input/output error from the device', 'check the disk or mount'],
  ENAMETOOLONG: ['STORAGE', 'file name too long', 'choose a shorter path'],
  ELOOP: ['STORAGE', 'too many symbolic links', 'check the symbolic links on the path'],
  ENOENT: ['NOT_FOUND', 'no such file or directory', 'check the path'],
};

/** strerror() texts, as DuckDB's I/O errors quote them. */
const STRERROR: Record<string, string> = {
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOSPC: 'No space left on device',
  EDQUOT: 'Disk quota exceeded',
  EROFS: 'Read-only file system',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EMFILE: 'Too many open files',
  EIO: 'Input/output error',
  ENOENT: 'No such file or directory',
};

function errnoOf(e: unknown): Errno | undefined {
  if (!(e instanceof Error)) return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && code in ERRNO ? (e as unknown as Errno) : undefined;
}

/** SQLite (the embedded tracking and online stores) reports faults of its file as SQLITE_* codes. */
function sqliteFault(e: Error): DfpError | undefined {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  const base = code.replace(/^(SQLITE_[A-Z]+)(_.*)?$/, '$1');
  const known: Record<string, [ErrorCode, string]> = {
    SQLITE_FULL: ['STORAGE', 'the disk is full; free space or point DFP_HOME at another file system'],
    SQLITE_IOERR: ['STORAGE', 'the disk failed a read or write; check the device and free space'],
    SQLITE_READONLY: ['STORAGE', 'the database file or its directory is read-only; make it writable or point DFP_HOME elsewhere'],
    SQLITE_CANTOPEN: ['STORAGE', 'the database file cannot be opened; check that its directory exists and is writable'],
    SQLITE_PERM: ['STORAGE', 'access to the database file was denied; check its permissions'],
    SQLITE_BUSY: ['CONFLICT', 'another process holds the database lock; try again when it is done'],
    SQLITE_CORRUPT: ['CORRUPT', 'the database file is damaged; restore it from a backup or move it away'],
    SQLITE_NOTADB: ['CORRUPT', 'the file is not a SQLite database; restore it or move it away'],
  };
  const k = known[base];
  return k ? new DfpError(k[0], `SQLite: ${e.message} (${code}); ${k[1]}`, { sqlite_code: code }, { cause: e }) : undefined;
}

/** DuckDB reports its error class as the message's prefix: "IO Error: …", "Parser Error: …". */
function duckdbClass(message: string): string | undefined {
  return /^([A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)?) Error: /.exec(message)?.[1];
}

/** DuckDB echoes the statement after a blank line; the first part is what a person needs. */
function firstPart(message: string): string {
  return message.split(/\n\s*\n/)[0]!.replace(/\s*\n\s*/g, ' ').trim();
}

/** The classified fault, or undefined when `e` is not one (then it is a bug, or already a DfpError). */
export function classifyFault(e: unknown): DfpError | undefined {
  if (isDfpError(e)) return undefined;
  const errno = errnoOf(e);
  if (errno) {
    // Node 20's recursive mkdir answers ENOENT where the file system is read-only: not a missing input.
    const [code, what, next] =
      errno.code === 'ENOENT' && errno.syscall === 'mkdir'
        ? (['STORAGE', 'cannot create the directory (a parent is missing or the file system is read-only)', 'point DFP_HOME (or the path given) at a writable directory'] as const)
        : ERRNO[errno.code]!;
    const where = [errno.syscall, errno.path ? `${errno.path}${errno.dest ? ` → ${errno.dest}` : ''}` : undefined].filter(Boolean).join(' ');
    return new DfpError(code, `${where ? `${where}: ` : ''}${what} (${errno.code}); ${next}`, { errno: errno.code, ...(errno.path ? { path: errno.path } : {}), ...(errno.syscall ? { syscall: errno.syscall } : {}) }, { cause: e });
  }
  if (!(e instanceof Error)) return undefined;
  const sqlite = sqliteFault(e);
  if (sqlite) return sqlite;
  const kind = duckdbClass(e.message);
  if (kind === 'IO') {
    // DuckDB words the OS error with strerror(); the same fault gets the same next step as from Node.
    const text = firstPart(e.message).replace(/^IO Error: /, '');
    const errno = Object.keys(STRERROR).find((k) => text.includes(STRERROR[k]!));
    const next = errno ? `; ${ERRNO[errno]![2]}` : '';
    return new DfpError('STORAGE', `the SQL engine: ${text}${errno ? ` (${errno})` : ''}${next}`, { engine_error: 'IO', ...(errno ? { errno } : {}) }, { cause: e });
  }
  if (kind === 'Parser' || /CSV Error on Line|Error when sniffing file/.test(e.message)) {
    return new DfpError('INPUT_INVALID', `the SQL engine could not parse its input: ${firstPart(e.message)}`, { engine_error: kind ?? 'CSV' }, { cause: e });
  }
  if (/^Out of Memory Error: /.test(e.message)) {
    return new DfpError('STORAGE', `the SQL engine ran out of memory: ${firstPart(e.message)}; raise engine.memory_limit or free memory`, { engine_error: 'Out of Memory', key: 'engine.memory_limit' }, { cause: e });
  }
  return undefined;
}

/** Any thrown value as a DfpError: itself, its classified fault, or INTERNAL (a bug; the original is the cause). */
export function asDfpError(e: unknown): DfpError {
  if (isDfpError(e)) return e;
  return classifyFault(e) ?? new DfpError('INTERNAL', messageOf(e), undefined, { cause: e });
}
