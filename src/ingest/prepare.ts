/**
 * @module The preparation step of an ingest, independent of where the data came from and of the lake:
 * local data files → validated, normalised, merged Parquet per table + quarantine + counts. Every input
 * row ends up either in a table or in the quarantine (loaded + quarantined = input, always); a file
 * with missing columns refuses the whole ingest before anything is written.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DfpError, messageOf } from '../core/errors.ts';
import { defaultTableFor, type Layout } from '../core/kronodroid/schema.ts';
import { type Progress, silentProgress } from '../core/progress.ts';
import { type DuckDBConnection, type EngineOptions, literal, openDuckDb, queryRows } from '../engine/duckdb/connection.ts';
import { readCsvHeader } from './header.ts';
import { findKeyProblems, incomingSql, mergeTable } from './merge.ts';
import { type FilePlan, planFile } from './plan.ts';
import {
  createQuarantine,
  QUARANTINE_TABLE,
  quarantineCounts,
  quarantineDropped,
  quarantineProblems,
  quarantineRejects,
  writeQuarantineCsv,
  writeQuarantineTable,
} from './quarantine.ts';
import { type StagedFile, stageFile } from './stage.ts';
import type { InputFile, PreparedIngest, PreparedTable } from './types.ts';

export interface PrepareOptions {
  files: InputFile[];
  /** Scratch directory for staging and output Parquet; the caller removes it. */
  workDir: string;
  /** Target table for every file; default: by layout (`defaultTableFor`). */
  table?: string;
  /** The table's current Parquet at the branch head, or undefined when the table is new. */
  existing: (table: string) => Promise<string | undefined>;
  /** Where this ingest's quarantined rows are written as CSV. */
  quarantineCsv: string;
  engine?: EngineOptions;
  progress?: Progress;
}

export async function prepareIngest(opts: PrepareOptions): Promise<PreparedIngest> {
  const progress = opts.progress ?? silentProgress;
  await mkdir(opts.workDir, { recursive: true });
  const conn = await openDuckDb(opts.engine);
  try {
    // Spills of big sorts go next to the staging files, not to the system temp.
    await conn.run(`SET temp_directory = ${literal(join(opts.workDir, 'duckdb-tmp'))}`);

    // Every header first: a file with missing columns refuses the whole ingest before any work.
    const plans: FilePlan[] = [];
    for (const file of opts.files) plans.push(planFile(file.name, await headerOf(conn, file)));

    const staged: StagedFile[] = [];
    for (const [i, file] of opts.files.entries()) {
      progress.start(`validating ${file.name}`, opts.files.length, 'files');
      progress.update(i);
      const plan = plans[i]!;
      staged.push(await stageFile(conn, file, i, plan, opts.table ?? defaultTableFor(plan.layout), opts.workDir));
    }
    progress.stop();

    await createQuarantine(conn);
    for (const f of staged) {
      await quarantineRejects(conn, f);
      await quarantineProblems(conn, f);
    }

    const tables: Record<string, PreparedTable> = {};
    const byTable = new Map<string, StagedFile[]>();
    for (const f of staged) byTable.set(f.table, [...(byTable.get(f.table) ?? []), f]);
    for (const [table, files] of [...byTable.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      progress.start(`merging ${table}`);
      const existing = await opts.existing(table);
      const dropped = await findKeyProblems(conn, table, files, existing);
      for (const f of files) await quarantineDropped(conn, f, dropped.table, dropped.counts.get(f.index) ?? 0);
      const out = join(opts.workDir, `${table}.parquet`);
      const merged = await mergeTable(conn, table, incomingSql(files, dropped), existing, out);
      const loaded = merged.added + merged.replaced + merged.unchanged;
      const layouts = [...new Set(files.map((f) => f.plan.layout))].sort() as Layout[];
      tables[table] = { layouts, loaded, ...merged };
      progress.stop();
    }

    const counts = await quarantineCounts(conn);
    await mkdir(dirname(opts.quarantineCsv), { recursive: true });
    await writeQuarantineCsv(conn, opts.quarantineCsv);
    const qFile = join(opts.workDir, `${QUARANTINE_TABLE}.parquet`);
    const qExisting = await opts.existing(QUARANTINE_TABLE);
    const qRows = await writeQuarantineTable(conn, qFile, qExisting, [...new Set(opts.files.map((f) => f.name))]);

    const files = staged.map((f) => {
      const quarantined = counts.byFile.get(f.index) ?? 0;
      const input = f.accepted + f.rejected;
      return { name: f.file.name, layout: f.plan.layout, table: f.table, input_rows: input, loaded_rows: input - quarantined, quarantined_rows: quarantined, unknown_columns: f.plan.unknown };
    });
    const inputRows = files.reduce((a, f) => a + f.input_rows, 0);
    const loadedRows = Object.values(tables).reduce((a, t) => a + t.loaded, 0);
    if (loadedRows + counts.total !== inputRows) {
      // The invariant every ingest keeps; breaking it is a bug, never something to commit.
      throw new Error(`ingest accounting is off: ${loadedRows} loaded + ${counts.total} quarantined != ${inputRows} input rows`);
    }
    return {
      tables,
      quarantineFile: qRows > 0 || qExisting ? qFile : undefined,
      quarantineRows: qRows,
      quarantineCsv: opts.quarantineCsv,
      inputRows,
      loadedRows,
      quarantinedRows: counts.total,
      reasons: counts.reasons,
      files,
    };
  } finally {
    conn.closeSync();
  }
}

/** Header names of a file: the first CSV record, or the Parquet schema as DuckDB names it. */
async function headerOf(conn: DuckDBConnection, file: InputFile): Promise<string[]> {
  if (file.format !== 'parquet') return readCsvHeader(file.path, file.format === 'csv.gz');
  try {
    const rows = await queryRows<{ column_name: string }>(conn, `DESCRIBE SELECT * FROM read_parquet(${literal(file.path)})`);
    return rows.map((r) => r.column_name);
  } catch (e) {
    throw new DfpError('INPUT_INVALID', `${file.name} is not a readable Parquet file: ${messageOf(e)}`, { file: file.name }, { cause: e });
  }
}
