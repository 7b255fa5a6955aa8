// Writes scored rows as they come: CSV straight to a file stream (backpressure respected); for a .parquet
// output the CSV is a scratch file that DuckDB converts in one streaming COPY at the end. Columns: the row's key
// (sha256, or row_id when generated), score, is_malware, top_features, then the input's passthrough columns.
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { DfpError } from '../core/errors.ts';
import { NORMALISED_COLUMNS } from '../core/kronodroid/schema.ts';
import { type DuckDBConnection, literal } from '../engine/duckdb/connection.ts';

/** What every output has after its key column. */
export const SCORE_COLUMNS = ['score', 'is_malware', 'top_features'] as const;
const SCORE_TYPES: Record<(typeof SCORE_COLUMNS)[number], string> = { score: 'DOUBLE', is_malware: 'BOOLEAN', top_features: 'VARCHAR' };
const LAKE_TYPES = new Map<string, string>(NORMALISED_COLUMNS.map((c) => [c.name, c.type]));

/** Output columns and their Parquet types, in order. */
export function outputColumns(key: string, passthrough: readonly string[]): { name: string; type: string }[] {
  return [
    { name: key, type: 'VARCHAR' },
    ...SCORE_COLUMNS.map((name) => ({ name, type: SCORE_TYPES[name] })),
    ...passthrough.map((name) => ({ name, type: LAKE_TYPES.get(name) ?? 'VARCHAR' })),
  ];
}
export type OutputFormat = 'csv' | 'parquet';

export function outputFormat(path: string): OutputFormat {
  if (/\.parquet$/i.test(path)) return 'parquet';
  if (/\.csv$/i.test(path)) return 'csv';
  throw new DfpError('USAGE', `--out '${path}' must end in .parquet or .csv (the extension picks the format)`);
}

/** RFC 4180 field: quoted only when it must be. */
const field = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export class ScoreWriter {
  private readonly stream: WriteStream;
  private readonly csvPath: string;

  constructor(
    readonly out: string,
    readonly format: OutputFormat,
    scratchCsv: string,
    private readonly columns: { name: string; type: string }[],
  ) {
    this.csvPath = format === 'csv' ? out : scratchCsv;
    this.stream = createWriteStream(this.csvPath);
    this.stream.write(`${columns.map((c) => field(c.name)).join(',')}\n`);
  }

  /** A batch of csvLine()s as one string. Resolves once the stream can take more. */
  async writeText(text: string): Promise<void> {
    if (text && !this.stream.write(text)) await once(this.stream, 'drain');
  }

  /** `topField`: the top-features JSON already as a CSV field (Explainer.csvFields), or '' (classifier); `tail`: the passthrough fields, each after a comma. */
  static csvLine(key: string, score: number, isMalware: boolean, topField: string, tail: string): string {
    return `${field(key)},${score},${isMalware},${topField}${tail}\n`;
  }

  async close(conn: DuckDBConnection): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
    if (this.format === 'csv') return;
    const columns = `{${this.columns.map((c) => `${literal(c.name)}: ${literal(c.type)}`).join(', ')}}`;
    await conn.run(
      `COPY (SELECT * FROM read_csv(${literal(this.csvPath)}, header = true, auto_detect = false, columns = ${columns}, quote = '"', escape = '"')) TO ${literal(this.out)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    await rm(this.csvPath, { force: true });
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    await rm(this.csvPath, { force: true });
  }
}
