/**
 * @module The preparation step of an ingest, independent of where the data came from and of the lake:
 * local data files → validated, normalised, merged Parquet per table + quarantine + counts. Every input
 * row ends up either in a table or in the quarantine (loaded + quarantined = input, always); a file
 * with missing columns refuses the whole ingest before anything is written. Clean CSV input takes the
 * one-pass path (fast-path.ts); anything else is staged so every bad row is named with its record number.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DfpError, messageOf } from '../core/errors.ts';
import { defaultTableFor, type Layout } from '../core/kronodroid/schema.ts';
import { type Progress, silentProgress } from '../core/progress.ts';
import { type DuckDBConnection, type EngineOptions, literal, queryRows } from '../engine/duckdb/connection.ts';
import { tryFastPath } from './fast-path.ts';
import { readCsvHeader } from './header.ts';
import { findKeyProblems, incomingSql, mergeTable } from './merge.ts';
import { IngestPass } from './pass.ts';
import { type FilePlan, planFile } from './plan.ts';
import { QUARANTINE_TABLE } from './quarantine.ts';
import { type RecordScan, scanRecords } from './record-scan.ts';
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
  /** Try the one-pass path for clean CSV first (default). False always stages: the cross-check in tests. */
  onePass?: boolean;
}

export async function prepareIngest(opts: PrepareOptions): Promise<PreparedIngest> {
  const progress = opts.progress ?? silentProgress;
  const pass = await IngestPass.open(opts.workDir, opts.engine);
  // dfp's own record count of each CSV file, started once and shared by both paths.
  const scans = new Map<number, Promise<RecordScan>>();
  try {
    // Every header first: a file with missing columns refuses the whole ingest before any work.
    const plans: FilePlan[] = [];
    for (const file of opts.files) plans.push(planFile(file.name, await headerOf(pass.conn, file)));

    const targets = opts.files.map((file, i) => ({ file, plan: plans[i]!, table: opts.table ?? defaultTableFor(plans[i]!.layout) }));
    const tables: Record<string, PreparedTable> = {};
    const layoutsOf = (idx: number[]) => [...new Set(idx.map((i) => plans[i]!.layout))].sort() as Layout[];
    const scanOf = (i: number) => {
      const t = targets[i]!;
      if (!scans.has(i)) scans.set(i, scanRecords(t.file.path, { gzip: t.file.format === 'csv.gz', header: t.plan.columns.map((c) => c.header) }));
      return scans.get(i)!;
    };

    progress.start(`reading ${opts.files.length === 1 ? opts.files[0]!.name : `${opts.files.length} files`}`);
    const fast = opts.onePass === false ? undefined : await tryFastPath(pass, targets, opts.existing, scanOf);
    progress.stop();
    let accepted: { accepted: number; rejected: number }[];
    if (fast) {
      for (const [table, t] of fast.tables) tables[table] = { layouts: layoutsOf(t.files), loaded: t.added + t.replaced + t.unchanged, ...t };
      accepted = fast.rows.map((n) => ({ accepted: n, rejected: 0 }));
    } else {
      // Something is off in some file: stage every file so each bad row is named with its record number.
      const staged: StagedFile[] = [];
      for (const [i, t] of targets.entries()) {
        progress.start(`validating ${t.file.name}`, opts.files.length, 'files');
        progress.update(i);
        const scan = t.file.format === 'parquet' ? undefined : await scanOf(i);
        staged.push(await stageFile(pass, t.file, i, t.plan, t.table, { scan }));
      }
      progress.stop();
      for (const f of staged) {
        await pass.quarantine.addRejects(f);
        await pass.quarantine.addProblems(f);
      }
      const byTable = new Map<string, StagedFile[]>();
      for (const f of staged) byTable.set(f.table, [...(byTable.get(f.table) ?? []), f]);
      for (const [table, files] of [...byTable.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        progress.start(`merging ${table}`);
        const existing = await opts.existing(table);
        const dropped = await findKeyProblems(pass, table, files, existing);
        for (const f of files) await pass.quarantine.addDropped(f, dropped.table, dropped.counts.get(f.index) ?? 0);
        const merged = await mergeTable(pass, table, incomingSql(files, dropped), existing);
        tables[table] = { layouts: layoutsOf(files.map((f) => f.index)), loaded: merged.added + merged.replaced + merged.unchanged, ...merged };
        progress.stop();
      }
      accepted = staged.map((f) => ({ accepted: f.accepted, rejected: f.rejected }));
    }

    const counts = await pass.quarantine.counts();
    await mkdir(dirname(opts.quarantineCsv), { recursive: true });
    await pass.quarantine.writeCsv(opts.quarantineCsv);
    const qFile = join(opts.workDir, `${QUARANTINE_TABLE}.parquet`);
    const qExisting = await opts.existing(QUARANTINE_TABLE);
    const qRows = await pass.quarantine.writeLakeTable(qFile, qExisting, [...new Set(opts.files.map((f) => f.name))]);

    const files = targets.map((t, i) => {
      const quarantined = counts.byFile.get(i) ?? 0;
      const input = accepted[i]!.accepted + accepted[i]!.rejected;
      return { name: t.file.name, layout: t.plan.layout, table: t.table, input_rows: input, loaded_rows: input - quarantined, quarantined_rows: quarantined, unknown_columns: t.plan.unknown };
    });
    const inputRows = files.reduce((a, f) => a + f.input_rows, 0);
    const loadedRows = Object.values(tables).reduce((a, t) => a + t.loaded, 0);
    if (loadedRows + counts.total !== inputRows) {
      // The invariant every ingest keeps; breaking it is a bug, never something to commit.
      throw new Error(`ingest accounting is off: ${loadedRows} loaded + ${counts.total} quarantined != ${inputRows} input rows`);
    }
    return {
      tables,
      onePass: fast !== undefined,
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
    // A scan still running (the one-pass attempt gave up early) must finish before its folder goes.
    await Promise.allSettled(scans.values());
    pass.close();
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
