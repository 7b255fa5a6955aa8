// What the lake records about a Parquet file, read with DuckDB: ordered columns and types (hashed into
// the schema hash) and the row count from the file's footer metadata, so nothing is scanned.
import type { DuckDBConnection } from '../engine/duckdb/connection.ts';
import { literal, queryRows } from '../engine/duckdb/connection.ts';
import { DfpError, messageOf } from '../core/errors.ts';
import { sha256Hex } from './canonical.ts';

export interface ParquetInfo {
  columns: { name: string; type: string }[];
  schema_hash: string;
  rows: number;
}

export function schemaHash(columns: { name: string; type: string }[]): string {
  return sha256Hex(JSON.stringify(columns.map((c) => [c.name, c.type])));
}

export async function parquetInfo(conn: DuckDBConnection, file: string): Promise<ParquetInfo> {
  try {
    const described = await queryRows<{ column_name: string; column_type: string }>(
      conn,
      `DESCRIBE SELECT * FROM read_parquet(${literal(file)})`,
    );
    const columns = described.map((r) => ({ name: r.column_name, type: r.column_type }));
    const [meta] = await queryRows<{ n: number | null }>(conn, `SELECT sum(num_rows)::BIGINT AS n FROM parquet_file_metadata(${literal(file)})`);
    return { columns, schema_hash: schemaHash(columns), rows: meta?.n ?? 0 };
  } catch (e) {
    throw new DfpError('INPUT_INVALID', `${file} is not a readable Parquet file: ${messageOf(e)}`, { file }, { cause: e });
  }
}
