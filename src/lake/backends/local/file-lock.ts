// An inter-process lock on one file, made with O_EXCL create, that survives crashes: a lock whose owner
// was killed (its pid is gone on this host) or that is older than a timeout is broken, and breakers are
// serialised so that two of them can never remove a lock that a third process has just taken.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { DfpError, messageOf } from '../../../core/errors.ts';

export interface LockOptions {
  /** A lock older than this is taken as abandoned even if its pid looks alive (pids get reused). */
  staleMs: number;
  /** How long to wait for a live holder before giving up. */
  waitMs: number;
}

interface LockInfo {
  raw: string;
  mtimeMs: number;
  pid?: number;
  host?: string;
  nonce?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Runs fn while holding the lock at lockPath. */
export async function withFileLock<T>(lockPath: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const nonce = await acquire(lockPath, opts);
  try {
    return await fn();
  } finally {
    await release(lockPath, nonce);
  }
}

async function acquire(lockPath: string, opts: LockOptions): Promise<string> {
  const nonce = randomUUID();
  const body = JSON.stringify({ pid: process.pid, host: hostname(), nonce, time: new Date().toISOString() });
  const deadline = Date.now() + opts.waitMs;
  for (let attempt = 0; ; attempt++) {
    if (await tryCreate(lockPath, body)) return nonce;
    if (await breakIfStale(lockPath, opts.staleMs)) continue;
    if (Date.now() > deadline) {
      const info = await readLock(lockPath);
      throw new DfpError(
        'STORAGE',
        `${lockPath} is held by ${info?.pid ? `pid ${info.pid} on ${info.host}` : 'another process'}; ` +
          `if no dfp process is writing to this lake, delete the lock file and retry`,
        { lock: lockPath, holder: info?.raw },
      );
    }
    // Jittered backoff: holders keep the lock for milliseconds, so short waits converge quickly.
    await sleep(Math.min(50, 2 + attempt * 2) * (0.5 + Math.random()));
  }
}

async function tryCreate(path: string, body: string): Promise<boolean> {
  try {
    const fh = await open(path, 'wx');
    try {
      await fh.writeFile(body);
    } finally {
      await fh.close();
    }
    return true;
  } catch (e) {
    if (errno(e) === 'EEXIST') return false;
    if (errno(e) === 'ENOENT') {
      await mkdir(dirname(path), { recursive: true });
      return false;
    }
    throw new DfpError('STORAGE', `cannot create lock ${path}: ${messageOf(e)}`, { lock: path }, { cause: e });
  }
}

async function readLock(path: string): Promise<LockInfo | null> {
  try {
    const [raw, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    const info: LockInfo = { raw, mtimeMs: st.mtimeMs };
    try {
      const parsed = JSON.parse(raw) as { pid?: number; host?: string; nonce?: string };
      Object.assign(info, { pid: parsed.pid, host: parsed.host, nonce: parsed.nonce });
    } catch {
      // Empty or partial: the holder is between create and write (or died there); age decides.
    }
    return info;
  } catch (e) {
    if (errno(e) === 'ENOENT') return null;
    throw e;
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return errno(e) !== 'ESRCH';
  }
}

function isStale(info: LockInfo, staleMs: number): boolean {
  if (Date.now() - info.mtimeMs > staleMs) return true;
  return info.pid !== undefined && info.host === hostname() && !pidAlive(info.pid);
}

/** True when the lock is gone or was broken (caller retries at once); false when a live holder has it. */
async function breakIfStale(lockPath: string, staleMs: number): Promise<boolean> {
  const info = await readLock(lockPath);
  if (!info) return true;
  if (!isStale(info, staleMs)) return false;
  // Only one breaker at a time, and it re-checks under its own lock that the file is still the same
  // stale lock: otherwise a slow breaker could delete a fresh lock another process just created.
  const breakPath = `${lockPath}.break`;
  if (!(await tryCreate(breakPath, JSON.stringify({ pid: process.pid, host: hostname() })))) {
    const breaker = await readLock(breakPath);
    if (breaker && isStale(breaker, Math.min(staleMs, 10_000))) await unlink(breakPath).catch(() => undefined);
    return false;
  }
  try {
    const again = await readLock(lockPath);
    if (again && again.raw === info.raw && again.mtimeMs === info.mtimeMs) await unlink(lockPath).catch(() => undefined);
  } finally {
    await unlink(breakPath).catch(() => undefined);
  }
  return true;
}

async function release(lockPath: string, nonce: string): Promise<void> {
  const info = await readLock(lockPath).catch(() => null);
  // If our lock was broken as stale, the file now belongs to someone else: leave it alone.
  if (info?.nonce === nonce) await unlink(lockPath).catch(() => undefined);
}
