// The lake's commit model over any ObjectStore: content-addressed Parquet objects, immutable commit
// objects named by the sha256 of their canonical JSON, and branch/tag refs moved only by
// compare-and-swap. Write order (objects → commit → ref) is what makes a crash at any point harmless:
// until the ref moves, nothing new is reachable, and the old head stays intact.
// Integrity: every table object is checked against its name before a reader gets its path, and before a
// writer reuses it (integrity.ts); a damaged one found by a writer is replaced with the bytes being written.
import type { BigIntStats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DfpError, isDfpError } from '../core/errors.ts';
import type { ObjectStore } from '../core/lake/object-store.ts';
import type {
  Commit,
  CommitRequest,
  CommitResult,
  FsckOptions,
  FsckReport,
  GcOptions,
  GcReport,
  LakeDiff,
  RefInfo,
  RepairedObject,
  TableDiff,
  TableEntry,
  VersionedLake,
} from '../core/lake/types.ts';
import { type DuckDBConnection, type EngineOptions, openDuckDb } from '../engine/duckdb/connection.ts';
import { canonicalJson, sha256File, sha256Hex } from './canonical.ts';
import { checkLake } from './fsck.ts';
import { collectGarbage } from './gc.ts';
import { ObjectIntegrity, withHeads } from './integrity.ts';
import {
  HEADS,
  TAGS,
  branchKey,
  checkRefName,
  checkTableName,
  commitKey,
  objectKey,
  parseObjectKey,
  parseRef,
  refValue,
  tagKey,
} from './names.ts';
import { parquetInfo } from './parquet-info.ts';
import { pausePoint } from './pause-point.ts';
import { resolveRef } from './resolve.ts';
import { rowDiff } from './row-diff.ts';
import { VerifiedFiles } from './verified-files.ts';

export interface ObjectLakeOptions {
  store: ObjectStore;
  /**
   * Where tables of a remote store are downloaded, one file per content hash; `verified/` in it remembers
   * which local files were verified (verified-files.ts).
   */
  cacheDir: string;
  /** Default commit author. */
  author: string;
  engine?: EngineOptions;
}

type CommitBody = Omit<Commit, 'id'>;

const short = (id: string | null | undefined) => (id ? id.slice(0, 12) : 'none');

export class ObjectLake implements VersionedLake {
  readonly location: string;
  readonly store: ObjectStore;
  /** Checks table objects against their names for readers, writers and fsck. */
  readonly integrity: ObjectIntegrity;
  private readonly author: string;
  private readonly engine: EngineOptions;
  private conn: Promise<DuckDBConnection> | undefined;
  /** Commits are immutable, so a read one never needs reading again. */
  private readonly commits = new Map<string, Commit>();

  constructor(opts: ObjectLakeOptions) {
    this.store = opts.store;
    this.location = opts.store.location;
    this.integrity = new ObjectIntegrity(opts.store, opts.cacheDir, new VerifiedFiles(join(opts.cacheDir, 'verified')));
    this.author = opts.author;
    this.engine = opts.engine ?? {};
  }

  private duck(): Promise<DuckDBConnection> {
    this.conn ??= openDuckDb(this.engine);
    return this.conn;
  }

  async init(defaultBranch: string): Promise<void> {
    checkRefName('branch', defaultBranch);
    if ((await this.head(defaultBranch)) !== null) return;
    const root = await this.writeCommit({ parents: [], message: 'init', author: this.author, time: new Date().toISOString(), tables: {}, metadata: {} });
    // Losing this race means another process initialised the lake at the same moment: equally good.
    await this.store.compareAndSwap(branchKey(defaultBranch), undefined, refValue(root.id));
  }

  async head(branch: string): Promise<string | null> {
    checkRefName('branch', branch);
    return this.readRef(branchKey(branch));
  }

  private async readRef(key: string): Promise<string | null> {
    const raw = await this.store.get(key);
    return raw === null ? null : parseRef(Buffer.from(raw).toString('utf8'));
  }

  /**
   * Reads and verifies a commit object; null when absent, CORRUPT when its bytes do not hash to its id.
   * `fresh` reads the store even when the commit is in memory (fsck checks the stored bytes).
   */
  async readCommit(id: string, fresh = false): Promise<Commit | null> {
    const cached = fresh ? undefined : this.commits.get(id);
    if (cached) return cached;
    const raw = await this.store.get(commitKey(id));
    if (raw === null) return null;
    const text = Buffer.from(raw).toString('utf8');
    const got = sha256Hex(text);
    if (got !== id) {
      throw new DfpError(
        'CORRUPT',
        `commit ${id} (${commitKey(id)}) in ${this.location} is damaged: its content hashes to ${got.slice(0, 12)}…, not to its id; \`dfp lake fsck\` lists the refs that reach it`,
        { commit: id, key: commitKey(id), location: this.location, found_sha256: got },
      );
    }
    const commit: Commit = { id, ...(JSON.parse(text) as CommitBody) };
    this.commits.set(id, commit);
    return commit;
  }

  private async writeCommit(body: CommitBody): Promise<Commit> {
    const text = canonicalJson(body);
    const id = sha256Hex(text);
    // Content-addressed: a second write of the same id is the same bytes, so no need to check first.
    await this.store.put(commitKey(id), text);
    const commit: Commit = { id, ...(JSON.parse(text) as CommitBody) };
    this.commits.set(id, commit);
    return commit;
  }

  resolve(ref: string): Promise<Commit> {
    return resolveRef(this, ref);
  }

  async commit(request: CommitRequest): Promise<CommitResult> {
    const { branch } = request;
    checkRefName('branch', branch);
    for (const name of Object.keys(request.tables)) checkTableName(name);
    const head = await this.head(branch);
    if (request.expectedHead !== undefined) {
      const expected = request.expectedHead === null ? null : (await this.resolve(request.expectedHead)).id;
      if (expected !== head) throw conflict(branch, expected, head);
    }
    if (head === null && request.expectedHead !== null) {
      throw new DfpError('NOT_FOUND', `branch '${branch}' does not exist; create it with \`dfp lake branch create ${branch}\``, { branch });
    }
    const parent = head === null ? null : await this.mustCommit(head);

    const tables: Record<string, TableEntry> = { ...parent?.tables };
    const repaired: RepairedObject[] = [];
    for (const name of Object.keys(request.tables).sort()) {
      const write = request.tables[name];
      if (write === null || write === undefined) {
        delete tables[name];
        continue;
      }
      const stored = await this.storeTable(write.file, write.key);
      tables[name] = stored.entry;
      if (stored.repaired) repaired.push({ ...stored.repaired, table: name });
    }
    await pausePoint('after-data-upload');
    const repairs = repaired.length > 0 ? { repaired } : {};

    if (parent && canonicalJson(tables) === canonicalJson(parent.tables)) return { ...parent, unchanged: true, ...repairs };

    const commit = await this.writeCommit({
      parents: head === null ? [] : [head],
      message: request.message,
      author: request.author ?? this.author,
      time: new Date().toISOString(),
      tables,
      metadata: request.metadata ?? {},
    });
    await pausePoint('before-ref-update');
    const moved = await this.store.compareAndSwap(branchKey(branch), head === null ? undefined : refValue(head), refValue(commit.id));
    if (!moved) throw conflict(branch, head, await this.head(branch), commit.id);
    return { ...commit, unchanged: false, ...repairs };
  }

  /**
   * Hashes, describes and uploads one Parquet file. The upload is skipped when the store already holds
   * these bytes, checked, never assumed from the name: a damaged or missing object is replaced by this file.
   */
  private async storeTable(file: string, key: string | undefined): Promise<{ entry: TableEntry; repaired?: Omit<RepairedObject, 'table'> }> {
    let source: BigIntStats;
    try {
      source = await stat(file, { bigint: true });
      if (!source.isFile()) throw new Error('not a file');
    } catch {
      throw new DfpError('NOT_FOUND', `table file ${file} does not exist or is not a file`, { file });
    }
    const contentHash = await sha256File(file);
    const info = await parquetInfo(await this.duck(), file);
    if (key !== undefined && !info.columns.some((c) => c.name === key)) {
      throw new DfpError('INPUT_INVALID', `key column '${key}' is not in ${file}; columns: ${info.columns.map((c) => c.name).join(', ')}`, { file, key });
    }
    const objKey = objectKey(contentHash);
    // Reusing a stored object renews its age (touch), so gc's grace period covers it until this commit's
    // ref moves, even if it was an old orphan a minute ago. Stores without touch fall back to exists().
    // Touch first, then check: the check then describes the object as it now is. When the file is the
    // stored object itself (an unchanged table handed back by ingest or transform), hashing it above
    // already checked those very bytes.
    const stored = this.store.touch ? await this.store.touch(objKey) : await this.store.exists(objKey);
    const local = this.store.localPath?.(objKey);
    const self = local !== undefined && resolve(local) === resolve(file);
    const check = stored ? (self ? { state: 'good' as const } : await this.integrity.checkStored(contentHash, false)) : undefined;
    if (stored && self) {
      // The touch changed its times, which would make the next reader hash it again; its bytes were hashed
      // just above (same inode and size), so record them as verified as they now are.
      const now = await stat(file, { bigint: true });
      if (now.dev === source.dev && now.ino === source.ino && now.size === source.size) await this.integrity.written(contentHash);
    }
    if (check?.state !== 'good') {
      await this.integrity.forget(contentHash);
      await this.store.putFile(objKey, file);
      // The copy holds the bytes just hashed for its name, if the file did not change meanwhile.
      const now = await stat(file, { bigint: true });
      if (now.dev === source.dev && now.ino === source.ino && now.size === source.size && now.mtimeNs === source.mtimeNs && now.ctimeNs === source.ctimeNs) await this.integrity.written(contentHash);
    }
    const entry: TableEntry = { content_hash: contentHash, rows: info.rows, schema_hash: info.schema_hash, columns: info.columns, ...(key !== undefined ? { key } : {}) };
    if (check?.state !== 'damaged') return { entry };
    return { entry, repaired: { key: objKey, ...(check.sha256 ? { found_sha256: check.sha256 } : {}) } };
  }

  async mustCommit(id: string): Promise<Commit> {
    const commit = await this.readCommit(id);
    if (!commit) throw new DfpError('STORAGE', `commit ${id} is referenced but missing from ${this.location}`, { commit: id });
    return commit;
  }

  async branches(): Promise<RefInfo[]> {
    return this.listRefs(HEADS, 'branch');
  }

  async tags(): Promise<RefInfo[]> {
    return this.listRefs(TAGS, 'tag');
  }

  private async listRefs(prefix: string, kind: 'branch' | 'tag'): Promise<RefInfo[]> {
    const keys = (await this.store.list(prefix)).sort();
    const out: RefInfo[] = [];
    for (const key of keys) {
      const commit = await this.readRef(key);
      if (commit) out.push({ name: key.slice(prefix.length), kind, commit });
    }
    return out;
  }

  async createBranch(name: string, from: string): Promise<RefInfo> {
    checkRefName('branch', name);
    const target = await this.resolve(from);
    await this.checkNesting(HEADS, name, 'branch');
    if (!(await this.store.compareAndSwap(branchKey(name), undefined, refValue(target.id)))) {
      throw new DfpError('CONFLICT', `branch '${name}' already exists (at ${short(await this.head(name))})`, { branch: name });
    }
    return { name, kind: 'branch', commit: target.id };
  }

  async tag(name: string, ref: string): Promise<RefInfo> {
    checkRefName('tag', name);
    const target = await this.resolve(ref);
    await this.checkNesting(TAGS, name, 'tag');
    if (!(await this.store.compareAndSwap(tagKey(name), undefined, refValue(target.id)))) {
      const existing = await this.readRef(tagKey(name));
      // Re-tagging the same commit is a no-op, so scripts can tag idempotently.
      if (existing !== target.id) {
        throw new DfpError('CONFLICT', `tag '${name}' already exists at ${short(existing)}; tags never move, pick another name`, {
          tag: name,
          commit: existing,
        });
      }
    }
    return { name, kind: 'tag', commit: target.id };
  }

  /** 'a' and 'a/b' cannot both exist: one would be a file and a folder at once in a directory store. */
  private async checkNesting(prefix: string, name: string, kind: string): Promise<void> {
    const existing = (await this.store.list(prefix)).map((k) => k.slice(prefix.length));
    const clash = existing.find((e) => e !== name && (e.startsWith(`${name}/`) || name.startsWith(`${e}/`)));
    if (clash) throw new DfpError('CONFLICT', `${kind} '${name}' clashes with existing ${kind} '${clash}'`, { name, clash });
  }

  async log(ref: string, limit = Number.POSITIVE_INFINITY): Promise<Commit[]> {
    const start = await this.resolve(ref);
    const out: Commit[] = [];
    const seen = new Set<string>([start.id]);
    const frontier: Commit[] = [start];
    // Newest first across all parents (there are no merges today, but the walk does not assume it).
    while (frontier.length > 0 && out.length < limit) {
      frontier.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
      const next = frontier.shift() as Commit;
      out.push(next);
      for (const p of next.parents) {
        if (seen.has(p)) continue;
        seen.add(p);
        frontier.push(await this.mustCommit(p));
      }
    }
    return out;
  }

  async tablePath(ref: string, table: string): Promise<string> {
    const commit = await this.resolve(ref);
    const entry = commit.tables[table];
    if (!entry) {
      const names = Object.keys(commit.tables);
      throw new DfpError(
        'NOT_FOUND',
        `no table '${table}' at ${ref} (${short(commit.id)}); tables: ${names.length ? names.join(', ') : 'none'}`,
        { ref, table, tables: names },
      );
    }
    try {
      return await this.integrity.readablePath(entry.content_hash, { ref, table, commit: commit.id });
    } catch (e) {
      // Readers often resolve a branch first and read by commit id; the error should still name the branch.
      if (!isDfpError(e) || (e.code !== 'CORRUPT' && e.code !== 'STORAGE') || !/^[0-9a-f]{64}$/.test(ref)) throw e;
      const refs = await Promise.all([this.branches(), this.tags()]).then((lists) => lists.flat(), () => []);
      throw withHeads(e, refs.filter((r) => r.commit === commit.id).map((r) => r.name));
    }
  }

  async diff(from: string, to: string): Promise<LakeDiff> {
    const [a, b] = await Promise.all([this.resolve(from), this.resolve(to)]);
    const names = [...new Set([...Object.keys(a.tables), ...Object.keys(b.tables)])].sort();
    const tables: TableDiff[] = [];
    for (const table of names) {
      const before = a.tables[table];
      const after = b.tables[table];
      if (!before && after) tables.push({ table, status: 'added', rows_before: 0, rows_after: after.rows });
      else if (before && !after) tables.push({ table, status: 'removed', rows_before: before.rows, rows_after: 0 });
      else if (before && after) {
        if (before.content_hash === after.content_hash) {
          tables.push({ table, status: 'unchanged', rows_before: before.rows, rows_after: after.rows });
          continue;
        }
        const d: TableDiff = { table, status: 'changed', rows_before: before.rows, rows_after: after.rows, schema_changed: before.schema_hash !== after.schema_hash };
        if (before.key && before.key === after.key) {
          const pa = await this.integrity.readablePath(before.content_hash, { ref: from, table, commit: a.id });
          const pb = await this.integrity.readablePath(after.content_hash, { ref: to, table, commit: b.id });
          Object.assign(d, await rowDiff(await this.duck(), pa, pb, before.key));
        }
        tables.push(d);
      }
    }
    return { from: a.id, to: b.id, tables };
  }

  async gc(options: GcOptions): Promise<GcReport> {
    const report = await collectGarbage(this, options);
    if (!report.dry_run) {
      // Deleted commits must not linger in the cache of a long-lived lake (a server) and still resolve.
      for (const item of report.items) {
        const named = item.action === 'delete' ? parseObjectKey(item.key) : null;
        if (named?.kind === 'commit') this.commits.delete(named.id);
      }
    }
    return report;
  }

  fsck(options: FsckOptions): Promise<FsckReport> {
    return checkLake(this, options);
  }

  /** Removes a branch ref (fsck's scratch branches); the commits it alone reached are left to gc. */
  async deleteBranch(name: string): Promise<void> {
    checkRefName('branch', name);
    await this.store.delete(branchKey(name));
  }

  async close(): Promise<void> {
    if (this.conn) (await this.conn).closeSync();
    this.conn = undefined;
    await this.store.close?.();
  }
}

function conflict(branch: string, expected: string | null, actual: string | null, written?: string): DfpError {
  const tail = written
    ? `; your commit ${short(written)} was stored but not applied — retry on top of the new head, or keep it with \`dfp lake branch create <name> --from ${written.slice(0, 12)}\``
    : '; re-read the branch and retry';
  return new DfpError('CONFLICT', `branch '${branch}' moved: expected head ${short(expected)}, found ${short(actual)}${tail}`, {
    branch,
    expected,
    actual,
    ...(written ? { commit: written } : {}),
  });
}
