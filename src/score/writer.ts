// Writes scored rows as they come: CSV straight to a file stream (backpressure respected); for a .parquet
// output the CSV is a scratch file that DuckDB converts in one streaming COPY at the end.
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { DfpError } from '../core/errors.ts';
import { type DuckDBConnection, literal } from '../engine/duckdb/connection.ts';

export const OUTPUT_COLUMNS = ['sha256', 'score', 'is_malware', 'top_features'] as const;
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
  ) {
    this.csvPath = format === 'csv' ? out : scratchCsv;
    this.stream = createWriteStream(this.csvPath);
    this.stream.write(`${OUTPUT_COLUMNS.join(',')}\n`);
  }

  /** A batch of csvLine()s as one string. Resolves once the stream can take more. */
  async writeText(text: string): Promise<void> {
    if (text && !this.stream.write(text)) await once(this.stream, 'drain');
  }

  /** `topField`: the top-features JSON already as a CSV field (Explainer.csvFields), or '' (classifier). */
  static csvLine(sha256: string, score: number, isMalware: boolean, topField: string): string {
    return `${field(sha256)},${score},${isMalware},${topField}\n`;
  }

  async close(conn: DuckDBConnection): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
    if (this.format === 'csv') return;
    const columns = `{'sha256': 'VARCHAR', 'score': 'DOUBLE', 'is_malware': 'BOOLEAN', 'top_features': 'VARCHAR'}`;
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
