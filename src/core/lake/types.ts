/**
 * @module The versioned lake as the rest of dfp sees it: tables (Parquet files) in commits on branches,
 * with tags, log, diff and time travel. The core holds only this contract. Implementations live in
 * src/lake/: today a commit model of our own over an object store (local directory or S3); a lakeFS
 * adapter (branches, commits and merges through its REST API) can implement the same interface later
 * without touching anything that calls it.
 */
import type { Progress } from '../progress.ts';

/** A table as recorded in a commit. The Parquet object is content-addressed, so equal data = equal hash. */
export interface TableEntry {
  /** sha256 of the Parquet bytes; also the object's name in the store. */
  content_hash: string;
  rows: number;
  /** sha256 of the ordered column names and types. */
  schema_hash: string;
  columns: { name: string; type: string }[];
  /** Column that identifies a row, for row-level diffs (KronoDroid: sha256). */
  key?: string;
}

export interface CommitSource {
  /** Where the data came from, as the user named it (path, URL, kaggle:…). */
  uri: string;
  /** sha256 of the source bytes. */
  sha256: string;
  bytes?: number;
}

export interface Commit {
  /** sha256 of the commit's canonical JSON (everything below), hex. */
  id: string;
  parents: string[];
  message: string;
  author: string;
  /** ISO-8601 time of the commit. */
  time: string;
  tables: Record<string, TableEntry>;
  /** Free-form, but ingest writes: sources, row counts, quarantine counts, schema hash. */
  metadata: Record<string, unknown>;
}

/** What commit() returns: the commit now at the branch head, and whether the request changed anything. */
export interface CommitResult extends Commit {
  /**
   * True when no table differs from the parent's: nothing was written and this is the parent commit
   * itself (same content hash ⇒ reported as unchanged, which makes re-running an ingest idempotent).
   */
  unchanged: boolean;
  /**
   * Stored objects this commit found damaged while reusing them (same content hash) and replaced with the
   * good bytes it was writing. Absent when there were none.
   */
  repaired?: RepairedObject[];
}

/** A damaged object a write replaced with the good bytes it was storing. */
export interface RepairedObject {
  key: string;
  table: string;
  /** What the damaged bytes hashed to; absent when the store gave no hash for them. */
  found_sha256?: string;
}

export interface RefInfo {
  name: string;
  kind: 'branch' | 'tag';
  commit: string;
}

/** A table change for a commit: a local Parquet file to store, or null to drop the table. */
export type TableWrite = { file: string; key?: string } | null;

export interface CommitRequest {
  branch: string;
  message: string;
  author?: string;
  /** Only these tables change; others carry over from the parent. */
  tables: Record<string, TableWrite>;
  metadata?: Record<string, unknown>;
  /**
   * The head the writer read before preparing the change. If the branch has moved since, the commit
   * fails with a CONFLICT error instead of overwriting someone else's work. Undefined: current head.
   */
  expectedHead?: string | null;
}

export interface TableDiff {
  table: string;
  status: 'added' | 'removed' | 'changed' | 'unchanged';
  rows_before: number;
  rows_after: number;
  /** Row-level counts by the table's key, when both sides have one. */
  rows_added?: number;
  rows_removed?: number;
  rows_changed?: number;
  schema_changed?: boolean;
}

export interface LakeDiff {
  from: string;
  to: string;
  tables: TableDiff[];
}

export interface GcOptions {
  /**
   * Unreachable objects younger than this are kept: a concurrent writer may have stored them and not
   * yet moved its branch ref.
   */
  graceMs: number;
  /** False: report what would be deleted and delete nothing (dry run). */
  apply: boolean;
  /** The moment ages are measured from; default now (tests pass a later moment instead of waiting). */
  now?: Date;
  progress?: Progress;
}

/** One unreachable thing gc found: a commit object, a table object or an unfinished upload. */
export interface GcItem {
  key: string;
  kind: 'commit' | 'table' | 'upload';
  bytes: number;
  modified: string;
  age_seconds: number;
  /** delete: older than the grace period (deleted when applied); keep-young: inside it. */
  action: 'delete' | 'keep-young';
}

export interface GcReport {
  dry_run: boolean;
  location: string;
  grace_seconds: number;
  branches: number;
  tags: number;
  /** Commit and table objects some branch or tag reaches; never deleted. */
  reachable_objects: number;
  reachable_bytes: number;
  /** Every unreachable object and unfinished upload, young ones included. */
  unreachable_objects: number;
  /** Unreachable but younger than the grace period: kept. */
  skipped_young: number;
  skipped_young_bytes: number;
  /** Unreachable and older than the grace period: what --apply deletes. */
  deletable: number;
  /** What this run deleted: 0 in a dry run. */
  deleted: number;
  /** Size of the deletable objects: reclaimable in a dry run, reclaimed when applied. */
  bytes: number;
  /** Keys in the lake's folders that are not named like lake objects: never touched. */
  ignored_keys: number;
  /** Table objects a reachable commit names but the store lacks: the lake is damaged there. */
  missing_objects: string[];
  /** False when the store cannot list unfinished uploads, so none were looked for. */
  pending_uploads_checked: boolean;
  items: GcItem[];
}

/** Where a damaged or missing object is used: a ref whose history holds it, and as which table. */
export interface FsckUse {
  ref: string;
  kind: 'branch' | 'tag';
  /** The table the object holds; absent for a commit object. */
  table?: string;
  /** The newest commit on the ref's history that holds it. */
  commit: string;
  /** True when the ref's head holds it (the current table, not only history). */
  at_head: boolean;
}

/** One damaged or missing object that some ref reaches. */
export interface FsckProblem {
  key: string;
  /** A ref whose text is not a commit id, a commit object, or a table object. */
  kind: 'ref' | 'commit' | 'table';
  state: 'damaged' | 'missing';
  /** What the stored bytes hash to now (damaged objects, when the store gave a hash). */
  found_sha256?: string;
  used_by: FsckUse[];
  /** With repair: whether the object is whole again, and how, or why not and what to do. */
  repair?: { status: 'restored' | 'not-restored'; how: string };
}

/** The commit that first holds a table object, from which it can be derived again. */
export interface FsckOrigin {
  commit: Commit;
  table: string;
}

export interface FsckOptions {
  /** Restore what can be restored: a verified local copy, else `rederive`. False: only report. */
  repair: boolean;
  /**
   * Derives a damaged or missing table object again from its origin (the CLI re-runs the ingest that wrote
   * it). Returns what it did, or throws with why it could not; the lake checks the object again afterwards.
   */
  rederive?: (problem: FsckProblem, origin: FsckOrigin) => Promise<string>;
  progress?: Progress;
}

export interface FsckReport {
  location: string;
  /** True when nothing damaged or missing remains (after repair, when asked). */
  ok: boolean;
  repair: boolean;
  branches: number;
  tags: number;
  commits_checked: number;
  /** Table objects checked, each once however many commits hold it. */
  objects_checked: number;
  /** Bytes read and hashed here (objects the store vouched for by its own checksum are not counted). */
  bytes_hashed: number;
  /** How table objects were checked: hashed here, or by the store's own checksum (S3), or downloaded and hashed. */
  checked_by: { hashed: number; store_checksum: number; downloaded: number };
  damaged: number;
  missing: number;
  restored: number;
  problems: FsckProblem[];
}

export interface VersionedLake {
  /** Human description of where the lake lives (a directory, s3://bucket/prefix, a lakeFS repo). */
  readonly location: string;
  /** Creates the default branch with an empty root commit if the lake is new. Idempotent. */
  init(defaultBranch: string): Promise<void>;
  /** A branch or tag name, a full commit id or a unique prefix of one (at least 7 hex digits). */
  resolve(ref: string): Promise<Commit>;
  /** Branch head commit id, or null when the branch does not exist. */
  head(branch: string): Promise<string | null>;
  /**
   * Stores the tables, writes the commit and moves the branch with compare-and-swap. Throws CONFLICT
   * (details: branch, expected, actual, commit — the written but unreferenced commit) if the branch
   * moved meanwhile or differs from expectedHead. expectedHead null creates a new branch.
   */
  commit(request: CommitRequest): Promise<CommitResult>;
  branches(): Promise<RefInfo[]>;
  tags(): Promise<RefInfo[]>;
  createBranch(name: string, from: string): Promise<RefInfo>;
  tag(name: string, ref: string): Promise<RefInfo>;
  /** Commits reachable from ref, newest first. */
  log(ref: string, limit?: number): Promise<Commit[]>;
  /**
   * A local Parquet path holding the table at ref (downloaded and cached when the store is remote), handed
   * out only after its bytes were checked against the content hash: CORRUPT when they do not match.
   */
  tablePath(ref: string, table: string): Promise<string>;
  diff(from: string, to: string): Promise<LakeDiff>;
  /**
   * Garbage collection: finds objects no branch or tag reaches (left by killed writers and lost
   * CONFLICT races) and, when applied, deletes those older than the grace period. Optional: a backend
   * with its own GC (lakeFS) leaves it out.
   */
  gc?(options: GcOptions): Promise<GcReport>;
  /**
   * Integrity check: reads every object some branch or tag reaches and checks it against the hash it is
   * named by; reports damaged and missing ones with the refs and tables that use them, and with repair,
   * restores what it can. Optional: a backend with its own integrity checks leaves it out.
   */
  fsck?(options: FsckOptions): Promise<FsckReport>;
  /** Releases engine connections and network clients. Optional so simple implementations can skip it. */
  close?(): Promise<void>;
}
