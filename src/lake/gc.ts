// Garbage collection of the object lake, in the order that keeps it safe next to live writers:
// 1. mark what branches and tags reach; 2. list the store with ages (after the mark, so anything a
// writer stored since is young); 3. when applying, mark again (a branch may just have been created on
// an old orphan commit) and delete unreachable commits, then their tables, then unfinished uploads —
// only those older than the grace period. A writer's objects are unreachable until its ref moves, so
// the grace period must exceed the longest commit; reused objects are touched by the writer (see
// repository.ts), which makes them young again.
import { DfpError, isDfpError, messageOf } from '../core/errors.ts';
import type { ObjectStore, PendingUpload, StoredObject } from '../core/lake/object-store.ts';
import type { GcItem, GcOptions, GcReport } from '../core/lake/types.ts';
import type { Progress } from '../core/progress.ts';
import { silentProgress } from '../core/progress.ts';
import { COMMITS, OBJECTS, objectKey, parseObjectKey } from './names.ts';
import { type Reachable, type RefWalker, markReachable } from './reachability.ts';

export interface GcLake extends RefWalker {
  readonly store: ObjectStore;
  readonly location: string;
}

/** Unfinished uploads are looked for only in the lake's own folders, never elsewhere in a shared bucket. */
const UPLOAD_PREFIXES = [OBJECTS, COMMITS, 'refs/'];
/** Keys per delete call: S3's DeleteObjects limit, and the step of the progress bar. */
const DELETE_CHUNK = 1000;
/** Commits go first: a half-finished sweep never leaves a commit whose tables are already gone. */
const KIND_ORDER: Record<GcItem['kind'], number> = { commit: 0, table: 1, upload: 2 };

interface Found {
  item: GcItem;
  upload?: PendingUpload;
}

interface Plan {
  reachable: number;
  reachableBytes: number;
  ignored: number;
  missing: string[];
  unreachable: Found[];
}

export async function collectGarbage(lake: GcLake, opts: GcOptions): Promise<GcReport> {
  const { store } = lake;
  const listStored = store.listStored?.bind(store);
  if (!listStored) {
    throw new DfpError('STORAGE', `${lake.location}: this store cannot list object ages, which gc needs for its grace period; nothing was deleted`, {
      location: lake.location,
    });
  }
  const progress = opts.progress ?? silentProgress;
  try {
    const marked = await mark(lake, progress);
    const now = opts.now ?? new Date();
    progress.start('gc: listing objects', undefined, 'objects');
    const listed = [...(await listStored(COMMITS)), ...(await listStored(OBJECTS))];
    const uploads = store.listPendingUploads ? (await Promise.all(UPLOAD_PREFIXES.map((p) => store.listPendingUploads?.(p) ?? []))).flat() : null;
    progress.update(listed.length + (uploads?.length ?? 0));
    const plan = classify(listed, uploads ?? [], marked, now, opts.graceMs);

    let deleted = 0;
    if (opts.apply && plan.unreachable.some((f) => f.item.action === 'delete')) {
      const again = await mark(lake, progress);
      const nowReachable = plan.unreachable.filter((f) => isReachable(f.item.key, again) && f.item.kind !== 'upload');
      for (const f of nowReachable) {
        plan.reachable++;
        plan.reachableBytes += f.item.bytes;
      }
      plan.unreachable = plan.unreachable.filter((f) => !nowReachable.includes(f));
      deleted = await sweep(store, plan.unreachable.filter((f) => f.item.action === 'delete'), progress);
    }
    return report(lake, opts, marked, plan, uploads !== null, deleted);
  } finally {
    progress.stop();
  }
}

async function mark(lake: GcLake, progress: Progress): Promise<Reachable> {
  try {
    return await markReachable(lake, progress);
  } catch (e) {
    // A missing or corrupt commit means we cannot know what it reaches: deleting anything could lose data.
    const code = isDfpError(e) ? e.code : 'STORAGE';
    throw new DfpError(code, `gc stopped before deleting anything: ${messageOf(e)}`, isDfpError(e) ? e.details : undefined, { cause: e });
  }
}

function isReachable(key: string, reachable: Reachable): boolean {
  const named = parseObjectKey(key);
  if (!named) return false;
  return named.kind === 'commit' ? reachable.commits.has(named.id) : reachable.tables.has(named.id);
}

function classify(listed: StoredObject[], uploads: PendingUpload[], reachable: Reachable, now: Date, graceMs: number): Plan {
  const plan: Plan = { reachable: 0, reachableBytes: 0, ignored: 0, missing: [], unreachable: [] };
  const item = (key: string, kind: GcItem['kind'], bytes: number, modified: Date): GcItem => {
    const ageMs = now.getTime() - modified.getTime();
    // A timestamp in the future (clock skew) gives a negative age: young, so kept.
    return { key, kind, bytes, modified: modified.toISOString(), age_seconds: Math.floor(ageMs / 1000), action: ageMs >= graceMs ? 'delete' : 'keep-young' };
  };
  const present = new Set<string>();
  for (const o of listed) {
    present.add(o.key);
    const named = parseObjectKey(o.key);
    if (!named) plan.ignored++;
    else if (isReachable(o.key, reachable)) {
      plan.reachable++;
      plan.reachableBytes += o.size;
    } else plan.unreachable.push({ item: item(o.key, named.kind, o.size, o.modified) });
  }
  for (const u of uploads) plan.unreachable.push({ item: item(u.key, 'upload', u.size, u.modified), upload: u });
  plan.unreachable.sort((a, b) => KIND_ORDER[a.item.kind] - KIND_ORDER[b.item.kind] || (a.item.key < b.item.key ? -1 : a.item.key > b.item.key ? 1 : 0));
  plan.missing = [...reachable.tables].map(objectKey).filter((k) => !present.has(k)).sort();
  return plan;
}

async function sweep(store: ObjectStore, doomed: Found[], progress: Progress): Promise<number> {
  progress.start('gc: deleting', doomed.length, 'objects');
  let done = 0;
  const keys = doomed.filter((f) => !f.upload).map((f) => f.item.key);
  for (let i = 0; i < keys.length; i += DELETE_CHUNK) {
    const chunk = keys.slice(i, i + DELETE_CHUNK);
    if (store.deleteMany) await store.deleteMany(chunk);
    else for (const key of chunk) await store.delete(key);
    done += chunk.length;
    progress.update(done);
  }
  for (const f of doomed) {
    if (!f.upload) continue;
    await store.discardPendingUpload?.(f.upload);
    progress.update(++done);
  }
  return done;
}

function report(lake: GcLake, opts: GcOptions, marked: Reachable, plan: Plan, uploadsChecked: boolean, deleted: number): GcReport {
  const items = plan.unreachable.map((f) => f.item);
  const young = items.filter((i) => i.action === 'keep-young');
  const doomed = items.filter((i) => i.action === 'delete');
  const sum = (list: GcItem[]) => list.reduce((n, i) => n + i.bytes, 0);
  return {
    dry_run: !opts.apply,
    location: lake.location,
    grace_seconds: Math.floor(opts.graceMs / 1000),
    branches: marked.branches,
    tags: marked.tags,
    reachable_objects: plan.reachable,
    reachable_bytes: plan.reachableBytes,
    unreachable_objects: items.length,
    skipped_young: young.length,
    skipped_young_bytes: sum(young),
    deletable: doomed.length,
    deleted,
    bytes: sum(doomed),
    ignored_keys: plan.ignored,
    missing_objects: plan.missing,
    pending_uploads_checked: uploadsChecked,
    items,
  };
}
