/**
 * @module The embedded SQL engine: one place that opens DuckDB with dfp's settings (threads, memory)
 * and small helpers to run statements and read rows as plain objects.
 */
import { DuckDBConnection, type DuckDBDataChunk, DuckDBInstance } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import type { DfpConfig } from '../../core/config/schema.ts';

export type { DuckDBConnection };

export interface EngineOptions {
  threads?: number;
  memoryLimit?: string;
  /** Database file; in-memory when omitted. */
  path?: string;
}

export function engineOptions(config: DfpConfig): EngineOptions {
  return { threads: config.engine.threads, memoryLimit: config.engine.memory_limit };
}

export async function openDuckDb(opts: EngineOptions = {}): Promise<DuckDBConnection> {
  const settings: Record<string, string> = {};
  if (opts.threads) settings.threads = String(opts.threads);
  if (opts.memoryLimit) settings.memory_limit = opts.memoryLimit;
  const instance = await DuckDBInstance.create(opts.path ?? ':memory:', settings);
  return instance.connect();
}

/** Rows as objects with plain JS values: BIGINT → number (exact up to 2^53), DATE/TIMESTAMP → Date. */
export async function queryRows<T = Record<string, unknown>>(conn: DuckDBConnection, sql: string): Promise<T[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJS().map((row) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'bigint' ? Number(v) : v;
    return out as T;
  });
}

/** Quotes an identifier (column names like `Highest-date` need it). */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string literal. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Column `column` of a chunk of FLOAT values as a Float32Array view of DuckDB's own vector memory: no per-value calls
 * (batch scoring reads millions of rows this way). Valid while the chunk is.
 */
export function floatColumn(chunk: DuckDBDataChunk, column: number, rows: number): Float32Array {
  const bytes = duckdb.vector_get_data(duckdb.data_chunk_get_vector(chunk.chunk, column), rows * 4);
  return new Float32Array(bytes.buffer, bytes.byteOffset, rows);
}
