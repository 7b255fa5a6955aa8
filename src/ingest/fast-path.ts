/**
 * @module The one-pass ingest for clean CSV input, the common case. The general path stages every
 * file (DuckDB reads it into a staging Parquet with each row's problem), then writes the table from the
 * stage: two full writes of ~500 columns. When no record is refused, no row has a problem and no sha256
 * repeats or contradicts the lake, one pass straight to the table's Parquet says the same thing at
 * about a third of the cost. This module tries that pass and proves cleanliness afterwards; any doubt
 * returns undefined and the caller takes the general path, which names every bad row.
 */
import { join } from 'node:path';
import { KEY_COLUMN, LABEL_COLUMN } from '../core/kronodroid/schema.ts';
import { messageOf } from '../core/errors.ts';
import { type DuckDBConnection, ident, literal, queryRows } from '../engine/duckdb/connection.ts';
import { countRows, mergeTable, type MergeResult } from './merge.ts';
import type { FilePlan } from './plan.ts';
import { normalisedSelect, problemExpr, readCsvSql } from './sql.ts';
import type { InputFile } from './types.ts';

export interface FastFile {
  file: InputFile;
  plan: FilePlan;
  table: string;
}

export interface FastTable extends MergeResult {
  files: number[];
}

/** Message of the error the one-pass COPY raises at the first row with a problem. */
const NOT_CLEAN = 'dfp: not clean, take the staged path';

/** Writes one file's rows, normalised, if it turns out clean; returns the row count or undefined. */
async function writeClean(conn: DuckDBConnection, f: FastFile, index: number, out: string): Promise<number | undefined> {
  if (f.file.format === 'parquet') return undefined;
  const rejects = `fast_rejects_${index}`;
  // No window, no sort: the scan, checks, casts and the Parquet writer all run on every core. The
  // first row with a problem aborts the copy (error()), so a clean result needs no second count pass.
  const scan = `${readCsvSql(f.file.path, f.file.format === 'csv.gz', f.plan, rejects, `fast_scans_${index}`)} s`;
  const clean = `CASE WHEN (${problemExpr(f.plan)}) IS NULL THEN true ELSE CAST(error(${literal(NOT_CLEAN)}) AS BOOLEAN) END`;
  try {
    await conn.run(`COPY (SELECT ${normalisedSelect(f.plan, 's', f.file.name)} FROM ${scan} WHERE ${clean})
      TO ${literal(out)} (FORMAT parquet, COMPRESSION zstd)`);
  } catch (e) {
    if (messageOf(e).includes(NOT_CLEAN)) return undefined;
    throw e;
  }
  // Records the reader refused would be missing from the table without a word: the staged path names them.
  const [refused] = await queryRows<{ n: number }>(conn, `SELECT count(*) AS n FROM ${ident(rejects)}`);
  if ((refused?.n ?? 0) > 0) return undefined;
  return countRows(conn, out);
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
  conn: DuckDBConnection,
  files: FastFile[],
  dir: string,
  existing: (table: string) => Promise<string | undefined>,
): Promise<{ tables: Map<string, FastTable>; rows: number[] } | undefined> {
  const outs: string[] = [];
  const rows: number[] = [];
  for (const [i, f] of files.entries()) {
    const out = join(dir, `fast-${i}.parquet`);
    const n = await writeClean(conn, f, i, out);
    if (n === undefined) return undefined;
    outs.push(out);
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
        : await mergeTable(conn, table, `SELECT * FROM read_parquet([${parts.map(literal).join(', ')}])`, lake, join(dir, `${table}.parquet`));
    tables.set(table, { ...merged, files: idx });
  }
  return { tables, rows };
}
