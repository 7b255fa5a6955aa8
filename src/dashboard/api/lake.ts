// /api/ui/lake/*: branches, commit log, diff, paginated table preview at a ref and the last ingest's quarantine.
import type { FastifyInstance } from 'fastify';
import { DfpError } from '../../core/errors.ts';
import type { Commit } from '../../core/lake/types.ts';
import { literal } from '../../engine/duckdb/connection.ts';
import type { ObjectLake } from '../../lake/repository.ts';
import { int, required, str } from '../http.ts';
import type { DashboardResources } from '../resources.ts';
import type { CommitSummary, Quarantine, RefRow, TablePage } from '../types.ts';

export function commitSummary(c: Commit): CommitSummary {
  return {
    id: c.id,
    parents: c.parents,
    message: c.message,
    author: c.author,
    time: c.time,
    tables: Object.entries(c.tables).map(([name, t]) => ({ name, rows: t.rows, columns: t.columns.length, ...(t.key ? { key: t.key } : {}) })),
    metadata: c.metadata,
  };
}

const query = (r: DashboardResources, sql: string) => r.query(sql);

async function lastIngest(lake: ObjectLake, branch: string): Promise<Commit | null> {
  const log = await lake.log(branch, 200);
  return log.find((c) => c.metadata.kind === 'ingest') ?? null;
}

export function lakeRoutes(app: FastifyInstance, r: DashboardResources): void {
  const def = r.config.lake.default_branch;

  app.get('/api/ui/lake/branches', async () => {
    const lake = await r.lake();
    const [branches, tags] = await Promise.all([lake.branches(), lake.tags()]);
    const rows: RefRow[] = [];
    for (const ref of [...branches, ...tags]) {
      const c = await lake.resolve(ref.commit);
      rows.push({ name: ref.name, kind: ref.kind, commit: ref.commit, time: c.time, message: c.message, isDefault: ref.kind === 'branch' && ref.name === def });
    }
    return { default_branch: def, refs: rows };
  });

  app.get('/api/ui/lake/log', async (req) => {
    const ref = str(req.query, 'ref') ?? def;
    const commits = await (await r.lake()).log(ref, int(req.query, 'limit', 50, 1, 1000));
    return { ref, commits: commits.map(commitSummary) };
  });

  app.get('/api/ui/lake/diff', async (req) => {
    return (await r.lake()).diff(required(req.query, 'from'), required(req.query, 'to'));
  });

  app.get('/api/ui/lake/rows', async (req): Promise<TablePage> => {
    const ref = str(req.query, 'ref') ?? def;
    const table = required(req.query, 'table');
    const offset = int(req.query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = int(req.query, 'limit', 25, 1, 500);
    const lake = await r.lake();
    const commit = await lake.resolve(ref);
    const entry = commit.tables[table];
    if (!entry) throw new DfpError('NOT_FOUND', `no table '${table}' at ${ref}; tables: ${Object.keys(commit.tables).join(', ') || 'none'}`);
    // By commit id, not ref: a branch moving meanwhile cannot mix two versions.
    const path = await lake.tablePath(commit.id, table);
    const order = entry.key ? ` ORDER BY "${entry.key.replaceAll('"', '""')}"` : '';
    const rows = await query(r, `SELECT * FROM read_parquet(${literal(path)})${order} LIMIT ${limit} OFFSET ${offset}`);
    return { ref, commit: commit.id, table, total: entry.rows, offset, limit, columns: entry.columns.map((c) => c.name), rows };
  });

  app.get('/api/ui/lake/quarantine', async (): Promise<Quarantine> => {
    const lake = await r.lake();
    const c = await lastIngest(lake, def);
    if (!c) return { commit: null, time: null, source: null, input_rows: 0, loaded_rows: 0, quarantined_rows: 0, reasons: [], sample: [] };
    const m = c.metadata;
    const num = (v: unknown) => (typeof v === 'number' ? v : 0);
    const quarantined = num(m.quarantined_rows);
    let sample: Record<string, unknown>[] = [];
    if (quarantined > 0 && c.tables.quarantine) {
      // The table accumulates every ingest; keep this ingest's files only.
      const files = Array.isArray(m.files) ? (m.files as { name?: unknown }[]).map((f) => String(f.name)) : [];
      const where = files.length ? ` WHERE "source" IN (${files.map(literal).join(', ')})` : '';
      const path = await lake.tablePath(c.id, 'quarantine');
      sample = await query(r, `SELECT "source", "row", "column", reason, detail, sha256 FROM read_parquet(${literal(path)})${where} LIMIT 50`);
    }
    return {
      commit: c.id,
      time: c.time,
      source: typeof m.source === 'string' ? m.source : null,
      input_rows: num(m.input_rows),
      loaded_rows: num(m.loaded_rows),
      quarantined_rows: quarantined,
      reasons: Array.isArray(m.quarantine_reasons) ? (m.quarantine_reasons as { reason: string; rows: number }[]) : [],
      sample,
    };
  });
}
