/**
 * @module Pass one over an input file: DuckDB parses it (CSV reader or Parquet) straight into a staging
 * Parquet file in file order, with each row's first problem in `_problem`; records the reader itself
 * refuses (wrong number of fields, bad quoting, a count that is not a number) land in its rejects table.
 * Nothing is held in memory, and one streaming pass does all the per-row checks.
 */
import { join } from 'node:path';
import { DfpError, messageOf } from '../core/errors.ts';
import { type DuckDBConnection, ident, literal, queryRows } from '../engine/duckdb/connection.ts';
import type { FilePlan } from './plan.ts';
import { col, problemExpr, readCsvSql, readParquetSql } from './sql.ts';
import type { InputFile } from './types.ts';

export interface StagedFile {
  index: number;
  file: InputFile;
  plan: FilePlan;
  /** Target lake table. */
  table: string;
  /** Staging Parquet: columns c0…cN as read, plus `_problem`. */
  stage: string;
  /** Rows in the staging file (records the reader accepted). */
  accepted: number;
  /** Records the reader refused; their quarantine rows are in `rejects_<index>`. */
  rejected: number;
  /** Table mapping staging row → record number; absent when no record was refused (row = rid + 1). */
  rowMap: string | undefined;
  /** Staged rows that failed a per-row check (`_problem` set). */
  problems: number;
}

/** FROM clause over a staged file (alias s), and the expression of each row's 1-based record number. */
export function stagedFrom(f: StagedFile): { from: string; rec: string } {
  const scan = `read_parquet(${literal(f.stage)}, file_row_number = true) s`;
  if (!f.rowMap) return { from: scan, rec: '(s.file_row_number + 1)' };
  return { from: `${scan} JOIN ${f.rowMap} r ON r.rid = s.file_row_number`, rec: 'r.rec' };
}

export interface StageOptions {
  /**
   * Parquet row-group size of the stage (default: DuckDB's 122,880). A group of ~490 columns is buffered
   * whole before it is flushed, so a caller that must stay in flat memory (batch scoring) asks for small ones.
   */
  rowGroupSize?: number;
}

export async function stageFile(
  conn: DuckDBConnection,
  file: InputFile,
  index: number,
  plan: FilePlan,
  table: string,
  dir: string,
  opts: StageOptions = {},
): Promise<StagedFile> {
  const stage = join(dir, `stage-${index}.parquet`);
  const rejectsTable = `reader_rejects_${index}`;
  const check = problemExpr(plan);
  let select: string;
  if (file.format === 'parquet') {
    select = `SELECT * EXCLUDE (_pre), COALESCE(_pre, ${check}) AS _problem FROM ${readParquetSql(file.path, plan)}`;
  } else {
    select = `SELECT *, ${check} AS _problem FROM ${readCsvSql(file.path, file.format === 'csv.gz', plan, rejectsTable, `reader_scans_${index}`)}`;
  }
  // LZ4: cheapest to write and read back; the stage lives only for this ingest.
  try {
    await conn.run(`COPY (${select}) TO ${literal(stage)} (FORMAT parquet, COMPRESSION lz4_raw${opts.rowGroupSize ? `, ROW_GROUP_SIZE ${opts.rowGroupSize}` : ''})`);
  } catch (e) {
    throw new DfpError('INPUT_INVALID', `cannot read ${file.name}: ${messageOf(e)}`, { file: file.name }, { cause: e });
  }
  // Reads one column: cheap, and lets clean files skip the quarantine scans entirely.
  const [count] = await queryRows<{ n: number; bad: number }>(conn, `SELECT count(*) AS n, count(_problem) AS bad FROM read_parquet(${literal(stage)})`);
  const accepted = count?.n ?? 0;
  const problems = count?.bad ?? 0;

  let rejected = 0;
  let rowMap: string | undefined;
  if (file.format !== 'parquet') {
    rejected = await collectRejects(conn, rejectsTable, index, plan);
    if (rejected > 0) {
      rowMap = `row_map_${index}`;
      // Accepted rows keep file order, so the k-th accepted row is the k-th record number not refused.
      await conn.run(`CREATE TABLE ${rowMap} AS SELECT CAST(row_number() OVER (ORDER BY n) - 1 AS BIGINT) AS rid, n AS rec
        FROM range(1, ${accepted + rejected + 1}) t(n) WHERE n NOT IN (SELECT rec FROM rejects_${index}) ORDER BY rid`);
    }
  }
  return { index, file, plan, table, stage, accepted, rejected, rowMap, problems };
}

/**
 * Reduces the reader's rejects (one line per error, several per record) to one row per refused record in
 * `rejects_<index>`: record number (the reader counts records with the header as 1), column, reason.
 */
async function collectRejects(conn: DuckDBConnection, rejectsTable: string, index: number, plan: FilePlan): Promise<number> {
  const names = plan.columns.map((c) => `(${literal(col(c))}, ${literal(c.header)})`).join(', ');
  const ncols = plan.columns.length;
  await conn.run(`CREATE TABLE rejects_${index} AS
    WITH e AS (
      SELECT line, column_name, error_type, error_message, csv_line,
        (CASE WHEN error_type IN ('TOO MANY COLUMNS', 'MISSING COLUMNS') THEN 0 WHEN error_type = 'CAST' THEN 2 ELSE 1 END) * 100000 + coalesce(column_idx, 0) AS prio,
        TRY_CAST(regexp_extract(error_message, 'Found: ([0-9]+)', 1) AS BIGINT) AS found
      FROM ${ident(rejectsTable)}),
    r AS (
      SELECT CAST(line AS BIGINT) - 1 AS rec, arg_min(error_type, prio) AS error_type, arg_min(column_name, prio) AS column_name,
        arg_min(error_message, prio) AS message, any_value(csv_line) AS raw,
        max(found) FILTER (WHERE error_type = 'TOO MANY COLUMNS') AS too_many, min(found) FILTER (WHERE error_type = 'MISSING COLUMNS') AS too_few
      FROM e GROUP BY line)
    SELECT r.rec, h.header AS column_name,
      CASE WHEN r.error_type IN ('TOO MANY COLUMNS', 'MISSING COLUMNS') THEN 'field_count' WHEN r.error_type = 'CAST' THEN 'non_numeric' ELSE 'malformed' END AS reason,
      CASE
        WHEN r.error_type = 'TOO MANY COLUMNS' THEN 'expected ${ncols} fields, found ' || coalesce(CAST(r.too_many AS VARCHAR), 'more')
        WHEN r.error_type = 'MISSING COLUMNS' THEN 'expected ${ncols} fields, found ' || coalesce(CAST(r.too_few AS VARCHAR), 'fewer')
        WHEN r.error_type = 'CAST' THEN 'value "' || regexp_extract(r.message, 'string "(.*)" to', 1) || '" is not a number'
        ELSE lower(r.error_type) || ': ' || r.message END AS detail,
      r.raw
    FROM r LEFT JOIN (VALUES ${names}) h(c, header) ON h.c = r.column_name
    ORDER BY r.rec`);
  const [row] = await queryRows<{ n: number }>(conn, `SELECT count(*) AS n FROM rejects_${index}`);
  return row?.n ?? 0;
}
