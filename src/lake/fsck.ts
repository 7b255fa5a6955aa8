// `dfp lake fsck`: reads every object a branch or tag reaches (all their history, as gc keeps it) and checks
// it against the hash it is named by — commits by hashing their JSON, table objects through integrity.ts,
// always re-hashed (never from the verified-files cache, which cannot see bit rot). Reports each damaged or
// missing object with the refs and tables that use it. With repair, a table object is restored from a
// verified copy (the download cache of a remote store), else derived again by the caller's `rederive` (the
// CLI re-runs the ingest that wrote it on a scratch branch: equal bytes land on the same name), and checked
// again; what cannot be restored is said, with what to do. Commits have no second copy: fsck says so.
import { existsSync } from 'node:fs';
import { isDfpError, messageOf } from '../core/errors.ts';
import type { ObjectStore } from '../core/lake/object-store.ts';
import type { Commit, FsckOptions, FsckOrigin, FsckProblem, FsckReport, FsckUse, RefInfo } from '../core/lake/types.ts';
import type { Progress } from '../core/progress.ts';
import { silentProgress } from '../core/progress.ts';
import { sha256File } from './canonical.ts';
import type { ObjectCheck, ObjectIntegrity } from './integrity.ts';
import { HEADS, TAGS, commitKey, objectKey } from './names.ts';

export interface FsckLake {
  readonly store: ObjectStore;
  readonly location: string;
  readonly integrity: ObjectIntegrity;
  branches(): Promise<RefInfo[]>;
  tags(): Promise<RefInfo[]>;
  readCommit(id: string, fresh?: boolean): Promise<Commit | null>;
}

/** Commit reads in flight at once (S3 round trips), and table checks: hashing is CPU-bound, S3 checksums are not. */
const PARALLEL_READS = 16;
const PARALLEL_CHECKS_LOCAL = 2;
const PARALLEL_CHECKS_REMOTE = 8;

type CommitRead = { commit: Commit } | { state: 'damaged' | 'missing'; found_sha256?: string };

interface Walk {
  refs: RefInfo[];
  commits: Map<string, CommitRead>;
  /** content hash → (ref, table) → where it is used. */
  tables: Map<string, Map<string, FsckUse>>;
  /** commit id → ref → where a damaged or missing commit is reached. */
  badCommits: Map<string, Map<string, FsckUse>>;
  badRefs: { ref: RefInfo; key: string }[];
}

const isId = (id: string) => /^[0-9a-f]{64}$/.test(id);
const short = (id: string) => id.slice(0, 12);
const refKey = (ref: RefInfo) => `${ref.kind === 'branch' ? HEADS : TAGS}${ref.name}`;

async function readAll(lake: FsckLake, refs: RefInfo[], progress: Progress): Promise<Map<string, CommitRead>> {
  const commits = new Map<string, CommitRead>();
  const queued = new Set<string>();
  const queue: string[] = [];
  const enqueue = (id: string) => {
    if (queued.has(id) || !isId(id)) return;
    queued.add(id);
    queue.push(id);
  };
  for (const ref of refs) enqueue(ref.commit);
  progress.start('fsck: reading commits', undefined, 'commits');
  while (queue.length > 0) {
    const batch = queue.splice(0, PARALLEL_READS);
    const read = await Promise.all(
      batch.map(async (id): Promise<[string, CommitRead]> => {
        try {
          const commit = await lake.readCommit(id, true);
          return [id, commit ? { commit } : { state: 'missing' }];
        } catch (e) {
          if (isDfpError(e) && e.code === 'CORRUPT') {
            const found = e.details?.found_sha256;
            return [id, { state: 'damaged', ...(typeof found === 'string' ? { found_sha256: found } : {}) }];
          }
          throw e;
        }
      }),
    );
    for (const [id, r] of read) {
      commits.set(id, r);
      if ('commit' in r) for (const p of r.commit.parents) enqueue(p);
    }
    progress.update(commits.size);
  }
  return commits;
}

/** Per ref, breadth-first from its head: the first commit met that holds an object is the newest one. */
async function walk(lake: FsckLake, progress: Progress): Promise<Walk> {
  const [branches, tags] = await Promise.all([lake.branches(), lake.tags()]);
  const refs = [...branches, ...tags];
  const out: Walk = { refs, commits: await readAll(lake, refs, progress), tables: new Map(), badCommits: new Map(), badRefs: [] };
  const note = (map: Map<string, Map<string, FsckUse>>, id: string, slot: string, use: FsckUse) => {
    let uses = map.get(id);
    if (!uses) map.set(id, (uses = new Map()));
    if (!uses.has(slot)) uses.set(slot, use);
  };
  for (const ref of refs) {
    if (!isId(ref.commit)) {
      out.badRefs.push({ ref, key: refKey(ref) });
      continue;
    }
    const seen = new Set<string>([ref.commit]);
    const queue = [ref.commit];
    while (queue.length > 0) {
      const id = queue.shift() as string;
      const base = { ref: ref.name, kind: ref.kind, commit: id, at_head: id === ref.commit };
      const read = out.commits.get(id);
      if (!read || !('commit' in read)) {
        note(out.badCommits, id, ref.name, base);
        continue;
      }
      for (const [table, entry] of Object.entries(read.commit.tables)) note(out.tables, entry.content_hash, `${ref.name}\0${table}`, { ...base, table });
      for (const p of read.commit.parents) {
        if (!seen.has(p)) {
          seen.add(p);
          queue.push(p);
        }
      }
    }
  }
  return out;
}

/** The oldest commit that holds the object as `table` while its parent did not: where it was written. */
function origin(w: Walk, hash: string): FsckOrigin | undefined {
  let best: FsckOrigin | undefined;
  for (const read of w.commits.values()) {
    if (!('commit' in read)) continue;
    const c = read.commit;
    const parentRead = c.parents[0] === undefined ? undefined : w.commits.get(c.parents[0]);
    const parent = parentRead && 'commit' in parentRead ? parentRead.commit : undefined;
    for (const [table, entry] of Object.entries(c.tables)) {
      if (entry.content_hash !== hash || parent?.tables[table]?.content_hash === hash) continue;
      if (!best || c.time < best.commit.time) best = { commit: c, table };
    }
  }
  return best;
}

async function pool<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}

function whatToDo(key: string, location: string, from: FsckOrigin | undefined): string {
  const backup = `restore ${key} from a backup of ${location}`;
  if (!from) return `no good copy found: ${backup}`;
  const parent = from.commit.parents[0];
  const meta = from.commit.metadata;
  const scratch = `restore-${key.slice('objects/'.length, 'objects/'.length + 8)}`;
  if (meta.kind === 'ingest' && typeof meta.source === 'string' && parent) {
    return (
      `no good copy found: re-ingest its source on a scratch branch — \`dfp lake branch create ${scratch} --from ${short(parent)}\` then ` +
      `\`dfp ingest --source ${meta.source} --branch ${scratch} --table ${from.table}\` — which writes the same bytes if the source is unchanged ` +
      `(the write replaces the damaged object), then \`dfp lake fsck\`; or ${backup}`
    );
  }
  return `no good copy found: ${backup}, or write the table again (it came from commit ${short(from.commit.id)}: "${from.commit.message}")`;
}

async function repairTable(lake: FsckLake, hash: string, problem: FsckProblem, from: FsckOrigin | undefined, opts: FsckOptions): Promise<NonNullable<FsckProblem['repair']>> {
  const key = objectKey(hash);
  const restoredIfGood = async (how: string) => ((await lake.integrity.checkStored(hash, true)).state === 'good' ? { status: 'restored' as const, how } : undefined);
  // A writer may have stored the good bytes since the check (a re-ingest of the same source).
  const already = await restoredIfGood('already whole again when repair began (a later write stored the same bytes)');
  if (already) return already;
  const copy = lake.integrity.cachedCopy(hash);
  if (existsSync(copy) && (await sha256File(copy)) === hash) {
    await lake.integrity.forget(hash);
    await lake.store.putFile(key, copy);
    const done = await restoredIfGood(`copied back from the verified download cache (${copy})`);
    if (done) return done;
  }
  let tried = '';
  if (opts.rederive && from) {
    try {
      const did = await opts.rederive(problem, from);
      const done = await restoredIfGood(did);
      if (done) return done;
      tried = `${did}, but that did not write the same bytes (the source changed since?); `;
    } catch (e) {
      tried = `could not derive it again: ${messageOf(e)}; `;
    }
  }
  return { status: 'not-restored', how: `${tried}${whatToDo(key, lake.location, from)}` };
}

export async function checkLake(lake: FsckLake, opts: FsckOptions): Promise<FsckReport> {
  const progress = opts.progress ?? silentProgress;
  try {
    const w = await walk(lake, progress);
    const problems: FsckProblem[] = [];
    for (const { ref, key } of w.badRefs) {
      problems.push({ key, kind: 'ref', state: 'damaged', used_by: [{ ref: ref.name, kind: ref.kind, commit: ref.commit, at_head: true }] });
    }
    for (const [id, uses] of w.badCommits) {
      const read = w.commits.get(id);
      const found = read && 'state' in read ? read : { state: 'missing' as const };
      problems.push({ key: commitKey(id), kind: 'commit', state: found.state, ...('found_sha256' in found && found.found_sha256 ? { found_sha256: found.found_sha256 } : {}), used_by: [...uses.values()] });
    }

    const hashes = [...w.tables.keys()].sort();
    progress.start('fsck: checking objects', hashes.length, 'objects');
    let done = 0;
    const checks = await pool(hashes, lake.store.localPath ? PARALLEL_CHECKS_LOCAL : PARALLEL_CHECKS_REMOTE, async (hash): Promise<ObjectCheck> => {
      const check = await lake.integrity.checkStored(hash, true);
      progress.update(++done);
      return check;
    });
    const checkedBy = { hashed: 0, store_checksum: 0, downloaded: 0 };
    let bytes = 0;
    const damagedTables = new Map<string, FsckProblem>();
    hashes.forEach((hash, i) => {
      const check = checks[i] as ObjectCheck;
      checkedBy[check.via]++;
      bytes += check.hashed && check.via !== 'store_checksum' ? (check.bytes ?? 0) : 0;
      if (check.state === 'good') return;
      const problem: FsckProblem = {
        key: objectKey(hash),
        kind: 'table',
        state: check.state,
        ...(check.sha256 ? { found_sha256: check.sha256 } : {}),
        used_by: [...(w.tables.get(hash)?.values() ?? [])],
      };
      damagedTables.set(hash, problem);
      problems.push(problem);
    });

    let restored = 0;
    if (opts.repair) {
      for (const p of problems) {
        if (p.kind !== 'table') {
          p.repair = {
            status: 'not-restored',
            how: `${p.kind} objects have no second copy: restore ${p.key} from a backup of ${lake.location}, or move the refs that reach it onto an intact commit (\`dfp lake branch create <name> --from <commit>\`)`,
          };
        }
      }
      if (damagedTables.size > 0) progress.start('fsck: repairing', damagedTables.size, 'objects');
      let n = 0;
      for (const [hash, p] of damagedTables) {
        p.repair = await repairTable(lake, hash, p, origin(w, hash), opts);
        if (p.repair.status === 'restored') restored++;
        progress.update(++n);
      }
    }
    problems.sort((a, b) => (a.kind === b.kind ? (a.key < b.key ? -1 : 1) : a.kind < b.kind ? -1 : 1));
    const good = [...w.commits.values()].filter((r) => 'commit' in r).length;
    return {
      location: lake.location,
      ok: problems.every((p) => p.repair?.status === 'restored'),
      repair: opts.repair,
      branches: w.refs.filter((r) => r.kind === 'branch').length,
      tags: w.refs.filter((r) => r.kind === 'tag').length,
      commits_checked: good + w.badCommits.size,
      objects_checked: hashes.length,
      bytes_hashed: bytes,
      checked_by: checkedBy,
      damaged: problems.filter((p) => p.state === 'damaged').length,
      missing: problems.filter((p) => p.state === 'missing').length,
      restored,
      problems,
    };
  } finally {
    progress.stop();
  }
}
