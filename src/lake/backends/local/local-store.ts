// The local-directory object store: one file per key, writes made atomic with temp file + fsync +
// rename, and compare-and-swap serialised by an O_EXCL lock file next to the ref.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, unlink, utimes } from 'node:fs/promises';
import { dirname, join, posix, sep } from 'node:path';
import { DfpError, messageOf } from '../../../core/errors.ts';
import type { ObjectStore, PendingUpload, StoredObject } from '../../../core/lake/object-store.ts';
import { pausePoint } from '../../pause-point.ts';
import { withFileLock } from './file-lock.ts';

export interface LocalStoreOptions {
  /** A ref lock older than this is broken even if its pid seems alive. Default 60 s. */
  lockStaleMs?: number;
  /** How long compare-and-swap waits for a live lock holder. Default 30 s. */
  lockWaitMs?: number;
}

/** Internal files (temp files, locks) that list() must never report as objects. */
function isInternal(name: string): boolean {
  return name.startsWith('.') || name.endsWith('.lock') || name.endsWith('.lock.break');
}

/** A temp file of an unfinished atomic write (see atomically): `.<name>.tmp-<pid>-<8 hex>` beside its target. */
const TEMP_FILE = /^\.(.+)\.tmp-\d+-[0-9a-f]{8}$/;

/** A file found by a walk: its path relative to the root (posix), its name and its folder. */
interface FileEntry {
  rel: string;
  name: string;
  folder: string;
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

export class LocalObjectStore implements ObjectStore {
  readonly location: string;
  private readonly lockStaleMs: number;
  private readonly lockWaitMs: number;

  constructor(
    readonly root: string,
    opts: LocalStoreOptions = {},
  ) {
    this.location = root;
    this.lockStaleMs = opts.lockStaleMs ?? 60_000;
    this.lockWaitMs = opts.lockWaitMs ?? 30_000;
  }

  private path(key: string): string {
    const parts = key.split('/');
    if (key === '' || key.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..' || isInternal(p))) {
      throw new DfpError('INTERNAL', `invalid object key '${key}'`);
    }
    return join(this.root, ...parts);
  }

  localPath(key: string): string {
    return this.path(key);
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return await readFile(this.path(key));
    } catch (e) {
      if (errno(e) === 'ENOENT') return null;
      throw storageError('read', key, e);
    }
  }

  async put(key: string, data: Uint8Array | string): Promise<void> {
    const target = this.path(key);
    await this.atomically(target, async (tmp) => {
      const fh = await open(tmp, 'wx');
      try {
        await fh.writeFile(data);
        await fh.datasync();
      } finally {
        await fh.close();
      }
    }).catch((e: unknown) => {
      throw storageError('write', key, e);
    });
  }

  async putFile(key: string, file: string): Promise<void> {
    const target = this.path(key);
    await this.atomically(target, async (tmp) => {
      // copyFile lets the kernel (or a reflink) do the copy without streaming through JS.
      await copyFile(file, tmp);
      const fh = await open(tmp, 'r+');
      try {
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await pausePoint('data-upload');
    }).catch((e: unknown) => {
      throw storageError('write', key, e);
    });
  }

  async getFile(key: string, file: string): Promise<boolean> {
    const source = this.path(key);
    try {
      await this.atomically(file, (tmp) => copyFile(source, tmp));
      return true;
    } catch (e) {
      if (errno(e) === 'ENOENT') return false;
      throw storageError('read', key, e);
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.path(key))).isFile();
    } catch (e) {
      if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return false;
      throw storageError('stat', key, e);
    }
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.files(prefix)).filter((f) => !isInternal(f.name) && f.rel.startsWith(prefix)).map((f) => f.rel);
  }

  async listStored(prefix: string): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    for (const key of await this.list(prefix)) {
      const info = await this.statOrNull(key, this.path(key));
      if (info) out.push({ key, size: info.size, modified: info.mtime });
    }
    return out;
  }

  async listPendingUploads(prefix: string): Promise<PendingUpload[]> {
    const out: PendingUpload[] = [];
    for (const f of await this.files(prefix)) {
      const target = TEMP_FILE.exec(f.name)?.[1];
      if (target === undefined) continue;
      const key = f.folder ? posix.join(f.folder, target) : target;
      if (!key.startsWith(prefix)) continue;
      const info = await this.statOrNull(f.rel, join(this.root, ...f.rel.split('/')));
      if (info) out.push({ key, id: f.rel, size: info.size, modified: info.mtime });
    }
    return out;
  }

  async discardPendingUpload(upload: PendingUpload): Promise<void> {
    const parts = upload.id.split('/');
    // Only ever a temp file inside the root: the id comes from listPendingUploads, but check anyway.
    if (parts.some((p) => p === '' || p === '.' || p === '..') || !TEMP_FILE.test(parts[parts.length - 1] ?? '')) {
      throw new DfpError('INTERNAL', `not a pending upload: '${upload.id}'`);
    }
    await rm(join(this.root, ...parts), { force: true }).catch((e: unknown) => {
      throw storageError('delete', upload.id, e);
    });
  }

  /** Every file in the folders the prefix can reach, internal ones included; callers filter. */
  private async files(prefix: string): Promise<FileEntry[]> {
    // Walk only the deepest folder the prefix names; the caller filters by the full string prefix.
    const slash = prefix.lastIndexOf('/');
    const out: FileEntry[] = [];
    const walk = async (rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(rel ? join(this.root, ...rel.split('/')) : this.root, { withFileTypes: true });
      } catch (e) {
        if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return;
        throw storageError('list', prefix, e);
      }
      for (const entry of entries) {
        const key = rel ? posix.join(rel, entry.name) : entry.name;
        if (entry.isDirectory()) {
          if (!isInternal(entry.name) && (key.startsWith(prefix) || prefix.startsWith(`${key}/`))) await walk(key);
        } else out.push({ rel: key, name: entry.name, folder: rel });
      }
    };
    await walk(slash < 0 ? '' : prefix.slice(0, slash));
    return out;
  }

  /** stat, or null when the file vanished since it was listed (a concurrent delete or rename). */
  private async statOrNull(key: string, path: string): Promise<{ size: number; mtime: Date } | null> {
    try {
      return await stat(path);
    } catch (e) {
      if (errno(e) === 'ENOENT') return null;
      throw storageError('stat', key, e);
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true }).catch((e: unknown) => {
      throw storageError('delete', key, e);
    });
  }

  async deleteMany(keys: string[]): Promise<void> {
    for (const key of keys) await this.delete(key);
  }

  async touch(key: string): Promise<boolean> {
    const path = this.path(key);
    const now = new Date();
    try {
      await utimes(path, now, now);
      return true;
    } catch {
      // Missing, or not touchable: either way the caller writes the object again, which is always correct.
      return false;
    }
  }

  async compareAndSwap(key: string, expected: string | undefined, next: string): Promise<boolean> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    return withFileLock(`${target}.lock`, { staleMs: this.lockStaleMs, waitMs: this.lockWaitMs }, async () => {
      await pausePoint('ref-lock-held');
      const current = await this.get(key);
      const text = current === null ? undefined : Buffer.from(current).toString('utf8');
      if (text !== expected) return false;
      await this.put(key, next);
      return true;
    });
  }

  /** Writes through a temp file in the target's folder, then renames: a crash leaves only a temp file. */
  private async atomically(target: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const dir = dirname(target);
    await mkdir(dir, { recursive: true });
    const base = target.slice(dir.length + sep.length);
    const tmp = join(dir, `.${base}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      await write(tmp);
      await rename(tmp, target);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  }
}

function storageError(op: string, key: string, e: unknown): DfpError {
  if (e instanceof DfpError) return e;
  return new DfpError('STORAGE', `local lake: cannot ${op} '${key}': ${messageOf(e)}`, { key }, { cause: e });
}
