/**
 * @module The one-pass ingest for clean CSV input, the common case. The general path stages every
 * file (DuckDB reads it into a staging Parquet with each row's problem), then writes the table from the
 * stage: two full writes of ~500 columns. When no record is refused, no row has a problem and no sha256
 * repeats or contradicts the lake, one pass straight to the table's Parquet says the same thing at
 * about a third of the cost. This module tries that pass and proves cleanliness afterwards; any doubt
 * returns undefined and the caller takes the general path, which names every bad row.
 */
import { KEY_COLUMN, LABEL_COLUMN } from '../core/kronodroid/schema.ts';
import { messageOf } from '../core/errors.ts';
import { classifyFault } from '../core/faults.ts';
import { type DuckDBConnection, ident, literal, queryRows } from '../engine/duckdb/connection.ts';
import { countRows, mergeTable, type MergeResult } from './merge.ts';
import type { IngestPass } from './pass.ts';
import type { FilePlan } from './plan.ts';
import type { RecordScan } from './record-scan.ts';
import { normalisedSelect, problemExpr, readCsvSql, readParquetSql } from './sql.ts';
import type { InputFile } from './types.ts';

export interface FastFile {
  file: InputFile;
  plan: FilePlan;
  table: string;
}

export interface FastTable extends MergeResult {
  files: number[];
}

/** Message of the error a one-pass read raises at the first row with a problem. */
const NOT_CLEAN = 'dfp: not clean, take the staged path';

/** True when a one-pass read stopped because a row had a problem (the staged path will name it). */
export const stoppedNotClean = (e: unknown): boolean => messageOf(e).includes(NOT_CLEAN);

/**
 * One file's rows in the lake's shape, read in one pass with every check inline: the first row any check
 * would quarantine aborts the query (error()). No window, no sort: the scan, checks, casts and a Parquet
 * writer all run on every core. Records the CSV reader refuses land in the pass's one-pass rejects table
 * and must be looked at afterwards: they are missing from the rows without a word.
 */
export function cleanRowsSql(pass: IngestPass, file: InputFile, index: number, plan: FilePlan): string {
  const scan =
    file.format === 'parquet'
      ? `${readParquetSql(file.path, plan)} s`
      : `${readCsvSql(file.path, file.format === 'csv.gz', plan, pass.onePassRejects(index), pass.onePassScans(index))} s`;
  const problem = file.format === 'parquet' ? `COALESCE(s._pre, ${problemExpr(plan)})` : problemExpr(plan);
  const clean = `CASE WHEN (${problem}) IS NULL THEN true ELSE CAST(error(${literal(NOT_CLEAN)}) AS BOOLEAN) END`;
  return `SELECT ${normalisedSelect(plan, 's', file.name)} FROM ${scan} WHERE ${clean}`;
}

/** Number of records the CSV reader refused during file i's one-pass read. */
export async function onePassRefused(pass: IngestPass, index: number): Promise<number> {
  const [refused] = await queryRows<{ n: number }>(pass.conn, `SELECT count(*) AS n FROM ${ident(pass.onePassRejects(index))}`);
  return refused?.n ?? 0;
}

/**
 * Writes one CSV file's rows if it turns out clean; returns the row count, or undefined for the staged path:
 * a row with a problem, a record the reader refused or stopped at, or a count that differs from dfp's own
 * record scan (which runs alongside, and whose verdict is kept for the staged path).
 */
async function writeClean(pass: IngestPass, f: FastFile, index: number, scan: Promise<RecordScan>): Promise<number | undefined> {
  if (f.file.format === 'parquet') return undefined;
  const out = pass.onePassFile(index);
  const write = pass.conn.run(`COPY (${cleanRowsSql(pass, f.file, index, f.plan)}) TO ${literal(out)} (FORMAT parquet, COMPRESSION zstd)`);
  const [copied, scanned] = await Promise.allSettled([write, scan]);
  for (const r of [copied, scanned]) {
    // A full disk or an unwritable folder is the machine's fault: the staged path would only hit it again.
    const fault = r.status === 'rejected' ? classifyFault(r.reason) : undefined;
    if (fault?.code === 'STORAGE') throw fault;
  }
  // Whatever else stopped the reader (a problem row, a line end it cannot read), the staged path says properly.
  if (copied.status === 'rejected' || scanned.status === 'rejected') return undefined;
  if (scanned.value.needsCopy || (await onePassRefused(pass, index)) > 0) return undefined;
  const rows = await countRows(pass.conn, out);
  return rows === scanned.value.records ? rows : undefined;
}
/** True when a sha256 repeats across the new rows or carries another label in the lake. */
async function keyProblems(conn: DuckDBConnection, files: string[], existing: string | undefined): Promise<boolean> {
  const incoming = `read_parquet([${files.map(literal).join(', ')}])`;
  const [dup] = await queryRows<{ n: number }>(conn, `SELECT count(*) - count(DISTINCT ${ident(KEY_COLUMN)}) AS n FROM ${incoming}`);
  if ((dup?.n ?? 0) > 0) return true;
  if (!existing) return false;
  const [conflict] = await queryRows<{ n: number }>(
    conn,
    `SELECT count(*) AS n FROM ${incoming} i JOIN read_parquet(${literal(existing)}) e USING (${ident(KEY_COLUMN)})
     WHERE i.${ident(LABEL_COLUMN)} IS DISTINCT FROM e.${ident(LABEL_COLUMN)}`,
  );
  return (conflict?.n ?? 0) > 0;
}

/**
 * Tries the one-pass ingest for all files. Returns the merged tables (and per-file row counts), or
 * undefined when any file needs the general path.
 */
export async function tryFastPath(
  pass: IngestPass,
  files: FastFile[],
  existing: (table: string) => Promise<string | undefined>,
  scanOf: (index: number) => Promise<RecordScan>,
): Promise<{ tables: Map<string, FastTable>; rows: number[] } | undefined> {
  const { conn } = pass;
  const outs: string[] = [];
  const rows: number[] = [];
  for (const [i, f] of files.entries()) {
    const n = await writeClean(pass, f, i, scanOf(i));
    if (n === undefined) return undefined;
    outs.push(pass.onePassFile(i));
    rows.push(n);
  }
  const groups = [...new Set(files.map((f) => f.table))].sort().map((table) => {
    const idx = files.flatMap((f, i) => (f.table === table ? [i] : []));
    return { table, idx, parts: idx.map((i) => outs[i]!) };
  });
  // Every table is checked before any is merged, so a fallback starts from a clean connection.
  const current = new Map<string, string | undefined>();
  for (const g of groups) {
    current.set(g.table, await existing(g.table));
    if (await keyProblems(conn, g.parts, current.get(g.table))) return undefined;
  }
  const tables = new Map<string, FastTable>();
  for (const { table, idx, parts } of groups) {
    const lake = current.get(table);
    // A single new file is already the table; anything else goes through the ordinary merge.
    const merged =
      parts.length === 1 && !lake
        ? { file: parts[0]!, rows: rows[idx[0]!]!, added: rows[idx[0]!]!, replaced: 0, unchanged: 0 }
        : await mergeTable(pass, table, `SELECT * FROM read_parquet([${parts.map(literal).join(', ')}])`, lake);
    tables.set(table, { ...merged, files: idx });
  }
  return { tables, rows };
}
