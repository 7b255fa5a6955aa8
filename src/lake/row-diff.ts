// Row-level diff of two versions of a keyed table, done by DuckDB: one hash per key on each side (sum of
// row hashes, so duplicate keys and row order do not matter), then a full outer join on the key.
import type { DuckDBConnection } from '../engine/duckdb/connection.ts';
import { ident, literal, queryRows } from '../engine/duckdb/connection.ts';

export interface RowDiffCounts {
  rows_added: number;
  rows_removed: number;
  rows_changed: number;
}

/** Counts distinct keys added, removed, and present on both sides with different row content. */
export async function rowDiff(conn: DuckDBConnection, before: string, after: string, key: string): Promise<RowDiffCounts> {
  // Keys are compared as text so a type change of the key column (BIGINT → VARCHAR) still matches rows.
  const side = (file: string) =>
    `SELECT CAST(t.${ident(key)} AS VARCHAR) AS k, count(*) AS n, sum(hash(t)::HUGEINT) AS h FROM read_parquet(${literal(file)}) t GROUP BY 1`;
  const [row] = await queryRows<{ added: number; removed: number; changed: number }>(
    conn,
    `WITH a AS (${side(before)}), b AS (${side(after)})
     SELECT count(*) FILTER (WHERE a.n IS NULL) AS added,
            count(*) FILTER (WHERE b.n IS NULL) AS removed,
            count(*) FILTER (WHERE a.n IS NOT NULL AND b.n IS NOT NULL AND (a.n <> b.n OR a.h <> b.h)) AS changed
     FROM a FULL OUTER JOIN b ON a.k IS NOT DISTINCT FROM b.k`,
  );
  return { rows_added: row?.added ?? 0, rows_removed: row?.removed ?? 0, rows_changed: row?.changed ?? 0 };
}
