// The ingest's staging pass (src/ingest/stage.ts) with one difference: small Parquet row groups. The ingest
// writes DuckDB's default 122,880-row groups, and a row group of ~490 columns is buffered whole before it is
// flushed, so its memory grows with the input up to ~0.5 GB; batch scoring must stay flat at any size.
// Checks, SQL, rejects handling and the StagedFile it returns are the ingest's, so the quarantine
// helpers and normalisedSelect work on it unchanged.
// TODO(ingest): a rowGroupSize option on stageFile would let this file go.
import { join } from 'node:path';
import { DfpError, messageOf } from '../core/errors.ts';
import { type DuckDBConnection, ident, literal, queryRows } from '../engine/duckdb/connection.ts';
import type { FilePlan } from '../ingest/plan.ts';
import { col, problemExpr, readCsvSql, readParquetSql } from '../ingest/sql.ts';
import type { StagedFile } from '../ingest/stage.ts';
import type { InputFile } from '../ingest/types.ts';

/** Rows per staging row group: ~490 columns × 8 KiB rows stays in the tens of MB. */
export const STAGE_ROW_GROUP = 8192;

export async function stageForScoring(conn: DuckDBConnection, file: InputFile, index: number, plan: FilePlan, dir: string): Promise<StagedFile> {
  const stage = join(dir, `stage-${index}.parquet`);
  const rejectsTable = `reader_rejects_${index}`;
  const check = problemExpr(plan);
  const select =
    file.format === 'parquet'
      ? `SELECT * EXCLUDE (_pre), COALESCE(_pre, ${check}) AS _problem FROM ${readParquetSql(file.path, plan)}`
      : `SELECT *, ${check} AS _problem FROM ${readCsvSql(file.path, file.format === 'csv.gz', plan, rejectsTable, `reader_scans_${index}`)}`;
  try {
    await conn.run(`COPY (${select}) TO ${literal(stage)} (FORMAT parquet, COMPRESSION lz4_raw, ROW_GROUP_SIZE ${STAGE_ROW_GROUP})`);
  } catch (e) {
    throw new DfpError('INPUT_INVALID', `cannot read ${file.name}: ${messageOf(e)}`, { file: file.name }, { cause: e });
  }
  const [count] = await queryRows<{ n: number; bad: number }>(conn, `SELECT count(*) AS n, count(_problem) AS bad FROM read_parquet(${literal(stage)})`);
  const accepted = count?.n ?? 0;
  let rejected = 0;
  let rowMap: string | undefined;
  if (file.format !== 'parquet') {
    rejected = await collectRejects(conn, rejectsTable, index, plan);
    if (rejected > 0) {
      rowMap = `row_map_${index}`;
      await conn.run(`CREATE TABLE ${rowMap} AS SELECT CAST(row_number() OVER (ORDER BY n) - 1 AS BIGINT) AS rid, n AS rec
        FROM range(1, ${accepted + rejected + 1}) t(n) WHERE n NOT IN (SELECT rec FROM rejects_${index}) ORDER BY rid`);
    }
  }
  return { index, file, plan, table: 'score', stage, accepted, rejected, rowMap, problems: count?.bad ?? 0 };
}

/** One row per record the CSV reader refused, in `rejects_<index>` (the shape quarantineRejects reads). */
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
