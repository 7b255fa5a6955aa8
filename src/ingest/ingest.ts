/**
 * @module `dfp ingest` end to end: resolve the source, prepare (validate, normalise, merge) against the
 * branch head, and commit the tables and the quarantine in one commit through the VersionedLake. Nothing
 * is committed unless every file was read whole; a re-run with the same data is reported "unchanged".
 */
import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError } from '../core/errors.ts';
import { KEY_COLUMN, NORMALISED_COLUMNS } from '../core/kronodroid/schema.ts';
import type { RepairedObject, TableWrite, VersionedLake } from '../core/lake/types.ts';
import { type Progress, silentProgress } from '../core/progress.ts';
import { engineOptions } from '../engine/duckdb/connection.ts';
import { prepareIngest } from './prepare.ts';
import { QUARANTINE_TABLE } from './quarantine.ts';
import { resolveSource } from './source.ts';
import type { PreparedIngest, SourceRecord } from './types.ts';

export interface IngestOptions {
  source: string;
  branch: string;
  message?: string;
  table?: string;
  config: DfpConfig;
  lake: VersionedLake;
  progress?: Progress;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface IngestResult {
  commit: string;
  branch: string;
  status: 'committed' | 'unchanged';
  tables: Record<string, { rows: number; added: number; replaced: number; unchanged: number }>;
  input_rows: number;
  loaded_rows: number;
  quarantined_rows: number;
  /** This ingest's quarantined rows as CSV (header only when none). */
  quarantine: string;
  /** The lake table that accumulates quarantined rows (absent when there never were any). */
  quarantine_table: string | null;
  reasons: { reason: string; rows: number }[];
  sources: SourceRecord[];
  files: PreparedIngest['files'];
  /** Seconds per phase, for benchmarks and -v. */
  timings: { resolve: number; prepare: number; commit: number };
  /** Lake objects found damaged (CORRUPT) while reusing them, replaced with the good bytes of this ingest. */
  repaired?: RepairedObject[];
}

/** sha256 of the normalised column names and types: which table shape this ingest wrote. */
export const SCHEMA_HASH = createHash('sha256').update(NORMALISED_COLUMNS.map((c) => `${c.name} ${c.type}`).join('\n')).digest('hex');

export async function runIngest(opts: IngestOptions): Promise<IngestResult> {
  const { lake, branch, config } = opts;
  const progress = opts.progress ?? silentProgress;
  const head = await lake.head(branch);
  if (head === null) throw new DfpError('NOT_FOUND', `branch '${branch}' does not exist in ${lake.location}; create it with \`dfp lake branch create ${branch}\``, { branch });
  const headCommit = await lake.resolve(head);

  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  const runId = `${stamp}-${randomBytes(3).toString('hex')}`;
  const workDir = join(config.workspace, 'tmp', `ingest-${runId}`);
  try {
    const clock = { t: performance.now() };
    const lap = () => {
      const now = performance.now();
      const s = Math.round(now - clock.t) / 1000;
      clock.t = now;
      return s;
    };
    const resolved = await resolveSource(opts.source, { config, workDir: join(workDir, 'unpacked'), progress, env: opts.env, cwd: opts.cwd });
    const resolveSeconds = lap();
    const prepared = await prepareIngest({
      files: resolved.files,
      workDir: join(workDir, 'out'),
      table: opts.table,
      existing: async (table) => (headCommit.tables[table] ? lake.tablePath(head, table) : undefined),
      quarantineCsv: join(config.workspace, 'quarantine', `ingest-${runId}.csv`),
      engine: engineOptions(config),
      progress,
    });
    const timings = { resolve: resolveSeconds, prepare: 0, commit: 0 };
    timings.prepare = lap();

    const tables: Record<string, TableWrite> = {};
    for (const [name, t] of Object.entries(prepared.tables)) tables[name] = { file: t.file, key: KEY_COLUMN };
    if (prepared.quarantineFile) tables[QUARANTINE_TABLE] = { file: prepared.quarantineFile };
    const layouts = [...new Set(prepared.files.map((f) => f.layout))].sort();
    const result = await lake.commit({
      branch,
      message: opts.message ?? `ingest ${opts.source}`,
      tables,
      expectedHead: head,
      metadata: {
        kind: 'ingest',
        source: opts.source,
        sources: resolved.sources,
        files: prepared.files,
        input_rows: prepared.inputRows,
        loaded_rows: prepared.loadedRows,
        quarantined_rows: prepared.quarantinedRows,
        quarantine_reasons: prepared.reasons,
        layout: layouts.length === 1 ? layouts[0] : layouts,
        schema_hash: SCHEMA_HASH,
      },
    });
    timings.commit = lap();
    return {
      commit: result.id,
      branch,
      status: result.unchanged ? 'unchanged' : 'committed',
      tables: Object.fromEntries(
        Object.entries(prepared.tables).map(([n, t]) => [n, { rows: t.rows, added: t.added, replaced: t.replaced, unchanged: t.unchanged }]),
      ),
      input_rows: prepared.inputRows,
      loaded_rows: prepared.loadedRows,
      quarantined_rows: prepared.quarantinedRows,
      quarantine: prepared.quarantineCsv,
      quarantine_table: prepared.quarantineFile ? QUARANTINE_TABLE : null,
      reasons: prepared.reasons,
      sources: resolved.sources,
      files: prepared.files,
      timings,
      ...(result.repaired ? { repaired: result.repaired } : {}),
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
