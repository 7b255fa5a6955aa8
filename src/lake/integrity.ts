// Checks a table object against the content hash it is named by, before anything trusts its bytes.
// Readers get a local path only after the check: a directory store's file in place, verified through the
// verified-at-first-read cache (verified-files.ts; a writer records what it stores as verified), or a
// remote store's download, hashed on arrival and re-checked in the download cache like a local file. DuckDB reads Parquet from paths, so this is the
// last point where damage can be caught before it becomes wrong rows. Writers that reuse a stored object
// check it through the store: a directory store's file is hashed, S3 answers with a SHA-256 it computes
// server-side (no download), and a store that cannot is read back.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DfpError } from '../core/errors.ts';
import type { ObjectStore } from '../core/lake/object-store.ts';
import { sha256File } from './canonical.ts';
import { objectKey } from './names.ts';
import type { FileCheck, VerifiedFiles } from './verified-files.ts';

/**
 * Benchmark hook, like DFP_LAKE_PAUSE_AT for tests: DFP_BENCH_SKIP_VERIFY=1 makes reads and reuse trust
 * objects by name again (as before verification existed), so bench:ingest and bench:transform can show
 * what verification costs. Never set it otherwise: damaged data is then read as good.
 */
const skipVerify = (): boolean => process.env.DFP_BENCH_SKIP_VERIFY === '1';

/** Which table at which ref a read was for, so an error can name them. */
export interface ObjectUse {
  ref: string;
  table: string;
  commit: string;
  /** Branches and tags whose head is `commit`, when the read named the commit by its id. */
  heads?: string[];
}

/** A check's result, and how it was made (fsck counts them). */
export interface ObjectCheck extends FileCheck {
  via: 'hashed' | 'store_checksum' | 'downloaded';
}

const short = (id: string) => id.slice(0, 12);
const isCommitId = (ref: string) => /^[0-9a-f]{64}$/.test(ref);

function tableAt(use: ObjectUse): string {
  if (isCommitId(use.ref)) return `table '${use.table}' at commit ${short(use.commit)}${use.heads?.length ? ` (head of ${use.heads.join(', ')})` : ''}`;
  return `table '${use.table}' at ${use.ref}${use.ref === use.commit ? '' : ` (commit ${short(use.commit)})`}`;
}

/** CORRUPT naming the object, and the table and ref it was read for. */
export function damagedObject(location: string, key: string, found: { sha256?: string; bytes?: number }, use?: ObjectUse): DfpError {
  const what = use ? `${tableAt(use)} is damaged: its object ${key}` : `object ${key}`;
  const bytes = found.bytes === undefined ? 'bytes' : `${found.bytes} bytes`;
  const seen = found.sha256 ? ` (its ${bytes} hash to ${short(found.sha256)}…)` : '';
  return new DfpError(
    'CORRUPT',
    `${what} in ${location} no longer matches the hash it is named by${seen}; nothing was read from it. ` +
      '`dfp lake fsck` lists everything that uses it, `dfp lake fsck --repair` restores what can be restored',
    {
      key,
      location,
      ...(use ? { table: use.table, ref: use.ref, commit: use.commit, ...(use.heads ? { heads: use.heads } : {}) } : {}),
      ...(found.sha256 ? { found_sha256: found.sha256 } : {}),
      ...(found.bytes !== undefined ? { bytes: found.bytes } : {}),
    },
  );
}

export function missingObject(location: string, key: string, use?: ObjectUse): DfpError {
  const what = use ? `${tableAt(use)}: its object ${key}` : `object ${key}`;
  return new DfpError('STORAGE', `${what} is missing from ${location}; \`dfp lake fsck\` lists everything that uses it`, {
    key,
    location,
    ...(use ? { table: use.table, ref: use.ref, commit: use.commit, ...(use.heads ? { heads: use.heads } : {}) } : {}),
  });
}

/**
 * The same damaged- or missing-object error with the refs whose head is the commit: a reader that resolved
 * a branch to its commit id first still gets an error that names the branch.
 */
export function withHeads(e: DfpError, heads: string[]): DfpError {
  const d = e.details ?? {};
  const { key, location, table, ref, commit } = d;
  if (heads.length === 0 || typeof key !== 'string' || typeof location !== 'string' || typeof table !== 'string' || typeof ref !== 'string' || typeof commit !== 'string') return e;
  const use = { ref, table, commit, heads };
  if (e.code === 'STORAGE') return missingObject(location, key, use);
  const found = { ...(typeof d.found_sha256 === 'string' ? { sha256: d.found_sha256 } : {}), ...(typeof d.bytes === 'number' ? { bytes: d.bytes } : {}) };
  return damagedObject(location, key, found, use);
}

export class ObjectIntegrity {
  constructor(
    private readonly store: ObjectStore,
    /** Where a remote store's objects are downloaded, one `<sha256>.parquet` per object. */
    private readonly cacheDir: string,
    private readonly verified: VerifiedFiles,
  ) {}

  /** The download cache's copy of an object (remote stores; a directory store reads in place). */
  cachedCopy(hash: string): string {
    return join(this.cacheDir, `${hash}.parquet`);
  }

  /**
   * A local path to the object's verified bytes. Throws CORRUPT when the stored object is damaged and
   * STORAGE when it is missing; a damaged download-cache copy is only a cache, so it is fetched again.
   */
  async readablePath(hash: string, use?: ObjectUse): Promise<string> {
    const key = objectKey(hash);
    const local = this.store.localPath?.(key);
    if (local && skipVerify()) {
      if (!(await this.store.exists(key))) throw missingObject(this.store.location, key, use);
      return local;
    }
    if (local) {
      const check = await this.verified.check(local, hash);
      if (check.state === 'missing') throw missingObject(this.store.location, key, use);
      if (check.state === 'damaged') throw damagedObject(this.store.location, key, check, use);
      return local;
    }
    const cached = this.cachedCopy(hash);
    const copy = skipVerify() && existsSync(cached) ? { state: 'good' } : await this.verified.check(cached, hash);
    if (copy.state === 'good') return cached;
    if (copy.state === 'damaged') await unlink(cached).catch(() => undefined);
    const fetched = await this.download(hash);
    if (fetched.state === 'missing') throw missingObject(this.store.location, key, use);
    if (fetched.state === 'damaged') throw damagedObject(this.store.location, key, fetched, use);
    return cached;
  }

  /**
   * Checks the stored object itself (never the download cache): a directory store's file by hashing it
   * (from the verified-files cache unless `force`), a remote one by the store's own checksum, else by
   * downloading it (a good download stays in the cache for the readers that follow).
   */
  async checkStored(hash: string, force: boolean): Promise<ObjectCheck> {
    if (skipVerify() && !force) return { state: 'good', hashed: false, via: 'hashed' };
    const key = objectKey(hash);
    const local = this.store.localPath?.(key);
    if (local) return { ...(await this.verified.check(local, hash, force)), via: 'hashed' };
    const sum = this.store.checksum ? await this.store.checksum(key) : undefined;
    if (sum === null) return { state: 'missing', hashed: false, via: 'store_checksum' };
    if (sum !== undefined) return sum === hash ? { state: 'good', hashed: true, via: 'store_checksum' } : { state: 'damaged', sha256: sum, hashed: true, via: 'store_checksum' };
    return { ...(await this.download(hash)), via: 'downloaded' };
  }

  /**
   * Called by the writer right after storing an object from a file it hashed to `hash` and that did not
   * change since: a directory store's copy holds exactly those bytes, so its first reader need not hash it.
   */
  async written(hash: string): Promise<void> {
    const local = this.store.localPath?.(objectKey(hash));
    if (local && !skipVerify()) await this.verified.vouch(local, hash);
  }

  /** Forgets a local object's verification before it is replaced. */
  async forget(hash: string): Promise<void> {
    const local = this.store.localPath?.(objectKey(hash));
    if (local) await this.verified.forget(local);
  }

  /** Downloads into the cache through a temp file, hashing on arrival: only good bytes land in the cache. */
  private async download(hash: string): Promise<FileCheck> {
    const key = objectKey(hash);
    const cached = this.cachedCopy(hash);
    await mkdir(this.cacheDir, { recursive: true });
    const tmp = `${cached}.dl-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      if (!(await this.store.getFile(key, tmp))) return { state: 'missing', hashed: false };
      const got = await sha256File(tmp);
      const bytes = (await stat(tmp)).size;
      if (got !== hash) return { state: 'damaged', sha256: got, bytes, hashed: true };
      await rename(tmp, cached);
      return { state: 'good', bytes, hashed: true };
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }
}
