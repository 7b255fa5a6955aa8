// Streams normalised rows in fixed-size batches: each row's key (sha256 or generated id), its passthrough
// columns already as CSV text, and the raw feature vector in FEATURE_COLUMNS order (NaN where a value is
// missing). DuckDB's streaming result hands over one vector chunk at a time, so memory stays flat whatever the
// file size (no LIMIT/OFFSET rescans). The relation's columns were checked against the model when it was opened.
import { FEATURE_COLUMNS, NORMALISED_COLUMNS } from '../core/kronodroid/schema.ts';
import { type DuckDBConnection, floatColumn, ident, literal, queryRows } from '../engine/duckdb/connection.ts';

export interface Batch {
  n: number;
  /** Each row's key (the column ReadOptions.key names). */
  keys: string[];
  /** Each row's passthrough fields as CSV text, each field preceded by a comma ('' when there are none). */
  tails: string[];
  /** Row-major [n, FEATURE_COLUMNS.length]. */
  x: Float32Array;
}

export interface ReadOptions {
  /** Column naming each row. */
  key: string;
  /** Columns carried to the output unchanged. */
  passthrough: readonly string[];
}

const TYPES = new Map<string, string>(NORMALISED_COLUMNS.map((c) => [c.name, c.type]));

/** SQL of the passthrough fields as one CSV fragment: text quoted, numbers and dates as they print, NULL empty. */
function tailExpr(columns: readonly string[]): string {
  if (!columns.length) return `''`;
  const field = (c: string) => {
    const v = `CAST(${ident(c)} AS VARCHAR)`;
    return (TYPES.get(c) ?? 'VARCHAR') === 'VARCHAR' ? `COALESCE('"' || replace(${v}, '"', '""') || '"', '')` : `COALESCE(${v}, '')`;
  };
  return columns.map((c) => `${literal(',')} || ${field(c)}`).join(' || ');
}

/** `relation`: SQL of the rows (a read_parquet(...) call or a subquery) with lake column names. */
export async function* readBatches(conn: DuckDBConnection, relation: string, batchRows: number, o: ReadOptions): AsyncGenerator<Batch> {
  const src = relation;
  const have = new Set((await queryRows<{ column_name: string }>(conn, `DESCRIBE SELECT * FROM ${src}`)).map((r) => r.column_name));
  // Missing values arrive as NaN (what the model reads as missing), so the float columns need no validity mask.
  const feats = FEATURE_COLUMNS.map((c) => (have.has(c) ? `COALESCE(CAST(${ident(c)} AS FLOAT), 'NaN'::FLOAT)` : `'NaN'::FLOAT`));
  // Output rows carry their sha256, so order is free: DuckDB need not hold chunks back to keep it.
  await conn.run('SET preserve_insertion_order = false');
  // DuckDB's default (~1 MB, a quarter of one 475-column chunk) stalls the scan whenever the consumer is busy
  // scoring; a few chunks of slack let it run ahead. Still a fixed bound: memory stays flat.
  await conn.run(`SET streaming_buffer_size = '32MB'`);
  const result = await conn.stream(`SELECT CAST(${ident(o.key)} AS VARCHAR), ${tailExpr(o.passthrough)}, ${feats.join(', ')} FROM ${src}`);
  const F = FEATURE_COLUMNS.length;
  let batch = newBatch(batchRows, F);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const rows = chunk.rowCount;
    let from = 0;
    while (from < rows) {
      // A chunk may straddle two batches: copy what fits, yield, continue.
      const take = Math.min(rows - from, batchRows - batch.n);
      const keys = chunk.getColumnVector(0);
      const tails = chunk.getColumnVector(1);
      for (let i = 0; i < take; i++) batch.keys.push(String(keys.getItem(from + i) ?? ''));
      for (let i = 0; i < take; i++) batch.tails.push(String(tails.getItem(from + i) ?? ''));
      for (let j = 0; j < F; j++) {
        const col = floatColumn(chunk, j + 2, rows);
        const x = batch.x;
        let at = batch.n * F + j;
        for (let i = from; i < from + take; i++, at += F) x[at] = col[i] as number;
      }
      batch.n += take;
      from += take;
      if (batch.n === batchRows) {
        yield batch;
        batch = newBatch(batchRows, F);
      }
    }
  }
  if (batch.n > 0) yield { n: batch.n, keys: batch.keys, tails: batch.tails, x: batch.x.subarray(0, batch.n * F) };
}

function newBatch(rows: number, F: number): Batch {
  return { n: 0, keys: [], tails: [], x: new Float32Array(rows * F) };
}
