// `dfp features materialize`: copies the latest value per entity of each view from the lake into the
// online store, incrementally. Per view and store it remembers (in the store's meta) the lake commit,
// the watermark and a snapshot of (sha256, event time, row hash) of what it wrote; the next run writes
// only entities that are new, newer, or whose values changed at the same time, and skips the rest.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DfpError } from '../../core/errors.ts';
import type { AppliedRegistry, FeatureViewDef, MaterializationState, OnlineStore } from '../../core/features/types.ts';
import type { VersionedLake } from '../../core/lake/types.ts';
import { type DuckDBConnection, type EngineOptions, ident, literal, openDuckDb, queryRows } from '../../engine/duckdb/connection.ts';
import { sha256File } from '../../lake/canonical.ts';
import { viewLayoutHash } from '../registry/store.ts';
import { viewByName } from '../registry/select.ts';

export interface MaterializeOptions {
  lake: VersionedLake;
  ref: string;
  store: OnlineStore;
  applied: AppliedRegistry;
  workspace: string;
  views?: string[];
  /** Only rows with event time in [start, end] are considered; end defaults to now. */
  start?: Date;
  end?: Date;
  /** Ignore the remembered state and write every entity again. */
  full?: boolean;
  engine?: EngineOptions;
  onProgress?: (view: string, written: number) => void;
}

export interface ViewReport {
  view: string;
  /** Entities whose latest row in the window was considered. */
  candidates: number;
  written: number;
  skipped: number;
  /** Why every entity was rewritten, when it was (first run, new layout, lost state, --full). */
  full_reason: string | null;
  /** Entities removed before writing because the view's feature list changed. */
  cleared: number;
  lake_commit: string;
  watermark: string | null;
}

export const stateKey = (view: string) => `materialized:${view}`;

function snapshotDir(workspace: string): string {
  return join(workspace, 'features', 'snapshots');
}

async function readState(store: OnlineStore, view: string): Promise<MaterializationState | null> {
  const raw = await store.getMeta(stateKey(view));
  if (!raw) return null;
  try {
    return JSON.parse(raw) as MaterializationState;
  } catch {
    return null; // unreadable state only costs a full rewrite
  }
}

export async function materialize(opts: MaterializeOptions): Promise<ViewReport[]> {
  const registry = opts.applied.registry;
  const views = opts.views && opts.views.length ? opts.views.map((n) => viewByName(registry, n)) : registry.views;
  const end = opts.end ?? new Date();
  if (opts.start && opts.start > end) throw new DfpError('USAGE', `--start ${opts.start.toISOString()} is after --end ${end.toISOString()}`);
  const commit = await opts.lake.resolve(opts.ref);
  const conn = await openDuckDb(opts.engine);
  try {
    await conn.run(`SET TimeZone = 'UTC'`);
    const reports: ViewReport[] = [];
    for (const view of views) reports.push(await materializeView(conn, opts, view, commit.id, end));
    return reports;
  } finally {
    conn.closeSync();
  }
}

async function materializeView(conn: DuckDBConnection, opts: MaterializeOptions, view: FeatureViewDef, commitId: string, end: Date): Promise<ViewReport> {
  const key = opts.applied.registry.entity.join_key;
  const table = (await opts.lake.resolve(commitId)).tables[view.source];
  if (!table) throw new DfpError('NOT_FOUND', `feature view '${view.name}': table '${view.source}' is not in the lake at ${opts.ref}; run the SQL models or pick another --ref`, { view: view.name });
  const path = await opts.lake.tablePath(commitId, view.source);
  const layoutHash = viewLayoutHash(view);
  const state = await readState(opts.store, view.name);
  const dir = snapshotDir(opts.workspace);
  const prevSnapshot = state?.snapshot ? join(dir, `${state.snapshot}.parquet`) : null;

  let fullReason: string | null = null;
  if (opts.full) fullReason = '--full';
  else if (!state) fullReason = 'first materialization into this store';
  else if (state.layout_hash !== layoutHash) fullReason = 'the feature list changed';
  else if (!prevSnapshot || !existsSync(prevSnapshot)) fullReason = 'the snapshot of the last run is missing from the workspace';
  let cleared = 0;
  // Old layouts' values must not be served as if they belonged to the new feature list.
  if (state && state.layout_hash !== layoutHash) cleared = await opts.store.clearView(view.name);

  const feats = view.features.map((f) => f.name);
  const ts = `CAST(${ident(view.timestamp_field)} AS TIMESTAMP)`;
  const where = [`${ident(key)} IS NOT NULL`, `${ts} IS NOT NULL`, `${ts} <= ${literal(end.toISOString())}::TIMESTAMPTZ::TIMESTAMP`];
  if (opts.start) where.push(`${ts} >= ${literal(opts.start.toISOString())}::TIMESTAMPTZ::TIMESTAMP`);
  const values = feats.map((f, j) => `CAST(${ident(f)} AS DOUBLE) AS ${ident(`f${j}`)}`).join(', ');
  const rowHash = `hash(${feats.map((_, j) => ident(`f${j}`)).join(', ')})`;
  await conn.run(`DROP TABLE IF EXISTS cand; DROP TABLE IF EXISTS changed`);
  await conn.run(
    `CREATE TEMP TABLE cand AS
     SELECT *, ${rowHash} AS __h FROM (
       SELECT CAST(${ident(key)} AS VARCHAR) AS __k, epoch_ms(${ts}) AS __ts, ${values}
       FROM read_parquet(${literal(path)}) WHERE ${where.join(' AND ')}
     ) QUALIFY row_number() OVER (PARTITION BY __k ORDER BY __ts DESC, ${rowHash} DESC) = 1`,
  );
  const usePrev = fullReason === null && prevSnapshot !== null;
  await conn.run(
    usePrev
      ? `CREATE TEMP TABLE changed AS SELECT c.* FROM cand c LEFT JOIN read_parquet(${literal(prevSnapshot)}) p ON c.__k = p.k
         WHERE p.k IS NULL OR c.__ts > p.ts OR (c.__ts = p.ts AND c.__h <> p.h)`
      : `CREATE TEMP TABLE changed AS SELECT * FROM cand`,
  );
  const [counts] = await queryRows<{ cand: number; changed: number }>(conn, `SELECT (SELECT count(*) FROM cand)::BIGINT AS cand, (SELECT count(*) FROM changed)::BIGINT AS changed`);

  let written = 0;
  const result = await conn.stream(`SELECT __k, CAST(__ts AS DOUBLE), ${feats.map((_, j) => ident(`f${j}`)).join(', ')} FROM changed`);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const rows = chunk.getRows();
    await opts.store.write(view.name, {
      features: feats,
      entities: rows.map((r) => r[0] as string),
      eventTimestamps: rows.map((r) => r[1] as number),
      values: rows.map((r) => r.slice(2) as (number | null)[]),
    });
    written += rows.length;
    opts.onProgress?.(view.name, written);
  }

  // The new snapshot: what the store now holds for this view (previous rows not overwritten + written).
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.tmp-${process.pid}-${view.name}.parquet`);
  const keep = usePrev ? `SELECT k, ts, h FROM read_parquet(${literal(prevSnapshot)}) WHERE k NOT IN (SELECT __k FROM changed) UNION ALL ` : '';
  await conn.run(`COPY (${keep}SELECT __k AS k, __ts AS ts, __h AS h FROM changed ORDER BY k) TO ${literal(tmp)} (FORMAT parquet)`);
  const [snap] = await queryRows<{ n: number; wm: Date | null }>(conn, `SELECT count(*)::BIGINT AS n, make_timestamp(max(ts) * 1000) AS wm FROM read_parquet(${literal(tmp)})`);
  const snapshot = (await sha256File(tmp)).slice(0, 32);
  renameSync(tmp, join(dir, `${snapshot}.parquet`));
  rmSync(tmp, { force: true });

  const watermark = snap?.wm ? snap.wm.toISOString() : null;
  const next: MaterializationState = {
    view: view.name,
    registry_version: opts.applied.version,
    layout_hash: layoutHash,
    lake_commit: commitId,
    table_content_hash: table.content_hash,
    watermark,
    start: opts.start?.toISOString() ?? null,
    end: end.toISOString(),
    snapshot,
    entities: snap?.n ?? 0,
    materialized_at: new Date().toISOString(),
  };
  // Written last: a crash before this line only makes the next run compare against the older snapshot.
  await opts.store.setMeta(stateKey(view.name), JSON.stringify(next));
  const candidates = counts?.cand ?? 0;
  return { view: view.name, candidates, written, skipped: candidates - written, full_reason: fullReason, cleared, lake_commit: commitId, watermark };
}

/** The remembered state of each view in a store, for `dfp features status`-like reporting. */
export async function materializationStates(store: OnlineStore, applied: AppliedRegistry): Promise<Record<string, MaterializationState | null>> {
  const out: Record<string, MaterializationState | null> = {};
  for (const v of applied.registry.views) out[v.name] = await readState(store, v.name);
  return out;
}
