// The verified-at-first-read cache: remembers that a local file's bytes hashed to the sha256 it must have,
// keyed by the file's identity (path, device, inode, size, mtime and ctime in nanoseconds). Reading a lake
// object again then costs two stats and a tiny read instead of hashing it whole. Any write, truncation,
// replacement (a new inode) or `touch` changes at least one of these, and ctime cannot be set back by
// hand, so the next read hashes again. What it cannot see is bytes changing under an unchanged inode
// (disk bit rot, a raw device write): `dfp lake fsck` hashes everything and catches those.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { DfpError, messageOf } from '../core/errors.ts';
import { sha256File, sha256Hex } from './canonical.ts';

export interface VerifiedFilesOptions {
  /** The clock the racy-file rule reads; tests pass their own. */
  now?: () => number;
}

/** What a check found. `sha256` is what damaged bytes hash to; `hashed` says whether the bytes were read. */
export interface FileCheck {
  state: 'good' | 'damaged' | 'missing';
  bytes?: number;
  sha256?: string;
  hashed: boolean;
}

/**
 * A file changed this recently may change again within the same timestamp tick without its mtime or ctime
 * moving (git's "racy clean" problem): such a file is verified but not remembered. Filesystems with
 * sub-second timestamps take them from the kernel's coarse clock (a tick of 1-10 ms): 50 ms is well above
 * it. Whole-second timestamps (ext3, FAT, some network filesystems) need 2 s.
 */
function racyMs(s: BigIntStats): number {
  return s.ctimeNs % 1_000_000_000n === 0n ? 2000 : 50;
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

async function statOrNull(path: string): Promise<BigIntStats | null> {
  try {
    const s = await stat(path, { bigint: true });
    return s.isFile() ? s : null;
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return null;
    throw new DfpError('STORAGE', `cannot stat ${path}: ${messageOf(e)}`, { path }, { cause: e });
  }
}

function identity(path: string, sha256: string, s: BigIntStats): string {
  return `${sha256} ${s.dev} ${s.ino} ${s.size} ${s.mtimeNs} ${s.ctimeNs} ${path}\n`;
}

export class VerifiedFiles {
  private readonly now: () => number;

  /** `dir` holds one small marker per verified file; deleting it only costs a re-hash. */
  constructor(
    readonly dir: string,
    opts: VerifiedFilesOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  private marker(path: string): string {
    return join(this.dir, sha256Hex(path).slice(0, 40));
  }

  /**
   * Checks that the file at `path` hashes to `sha256`: from the marker when the file is unchanged since it
   * was last verified, else by hashing it (and remembering the result). `force` always hashes (fsck).
   */
  async check(path: string, sha256: string, force = false): Promise<FileCheck> {
    const before = await statOrNull(path);
    if (!before) return { state: 'missing', hashed: false };
    const bytes = Number(before.size);
    const marker = this.marker(path);
    const id = identity(path, sha256, before);
    if (!force && (await readFile(marker, 'utf8').catch(() => null)) === id) return { state: 'good', bytes, hashed: false };
    let got: string;
    try {
      got = await sha256File(path);
    } catch (e) {
      if (errno(e) === 'ENOENT') return { state: 'missing', hashed: false };
      throw new DfpError('STORAGE', `cannot read ${path}: ${messageOf(e)}`, { path }, { cause: e });
    }
    if (got !== sha256) {
      await rm(marker, { force: true }).catch(() => undefined);
      return { state: 'damaged', bytes, sha256: got, hashed: true };
    }
    const after = await statOrNull(path);
    if (after && identity(path, sha256, after) === id && this.now() - Number(after.ctimeMs) >= racyMs(after)) await this.remember(marker, id);
    return { state: 'good', bytes, hashed: true };
  }

  /**
   * Records a file as verified without reading it, for the writer that just wrote it from bytes it had
   * hashed to `sha256` (unchanged since): the hash was taken of exactly these bytes. The racy-file rule
   * does not apply; the file was created a moment ago by the caller itself.
   */
  async vouch(path: string, sha256: string): Promise<void> {
    const s = await statOrNull(path);
    if (s) await this.remember(this.marker(path), identity(path, sha256, s));
  }

  /** Drops what is remembered about a file (it is about to be replaced). */
  async forget(path: string): Promise<void> {
    await rm(this.marker(path), { force: true }).catch(() => undefined);
  }

  private async remember(marker: string, id: string): Promise<void> {
    // A workspace we cannot write to only loses the cache, never the check.
    const tmp = `${marker}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFile(tmp, id);
      await rename(tmp, marker);
    } catch {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }
}
