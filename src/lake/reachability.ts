// The mark phase of garbage collection: every commit some branch or tag reaches (the whole ancestry) and
// every table object those commits name. A commit references exactly its parents and its tables'
// content hashes (ingest's quarantine rows are one of those tables); metadata is provenance — a commit
// id in it, like transform's read_from, keeps nothing alive, as a sha in a git commit message does not.
import type { Commit, RefInfo } from '../core/lake/types.ts';
import type { Progress } from '../core/progress.ts';

export interface RefWalker {
  branches(): Promise<RefInfo[]>;
  tags(): Promise<RefInfo[]>;
  /** Throws when a commit is missing or corrupt: gc must stop rather than guess what it reached. */
  mustCommit(id: string): Promise<Commit>;
}

export interface Reachable {
  branches: number;
  tags: number;
  /** Commit ids. */
  commits: Set<string>;
  /** Content hashes of table objects. */
  tables: Set<string>;
}

/** Commit reads in flight at once: S3 round trips dominate, one at a time would be slow on long histories. */
const PARALLEL_READS = 16;

export async function markReachable(lake: RefWalker, progress?: Progress): Promise<Reachable> {
  const [branches, tags] = await Promise.all([lake.branches(), lake.tags()]);
  const commits = new Set<string>();
  const tables = new Set<string>();
  const queue: string[] = [];
  const enqueue = (id: string) => {
    if (commits.has(id)) return;
    commits.add(id);
    queue.push(id);
  };
  for (const ref of [...branches, ...tags]) enqueue(ref.commit);
  progress?.start('gc: reading commits', undefined, 'commits');
  let read = 0;
  while (queue.length > 0) {
    const batch = queue.splice(0, PARALLEL_READS);
    for (const commit of await Promise.all(batch.map((id) => lake.mustCommit(id)))) {
      for (const entry of Object.values(commit.tables)) tables.add(entry.content_hash);
      for (const parent of commit.parents) enqueue(parent);
    }
    read += batch.length;
    progress?.update(read);
  }
  return { branches: branches.length, tags: tags.length, commits, tables };
}
