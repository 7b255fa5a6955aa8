/** @module Shapes passed between the ingest steps: input files, quarantine rows and the prepared result. */
import type { Layout } from '../core/kronodroid/schema.ts';
import type { QuarantineReason } from './reasons.ts';

export type FileFormat = 'csv' | 'csv.gz' | 'parquet' | 'zip';

/** One readable data file (already downloaded / extracted to local disk). */
export interface InputFile {
  /** Local path DuckDB reads. */
  path: string;
  /** Lineage name written to `_source`: file name, or URI, plus `!/member` inside an archive. */
  name: string;
  format: Exclude<FileFormat, 'zip'>;
}

/** A source as committed in metadata: where the bytes came from and their hash. */
export interface SourceRecord {
  uri: string;
  sha256: string;
  bytes: number;
}

/** One quarantined input row. `row` is the 1-based data record number within its file. */
export interface QuarantineRow {
  table: string;
  source: string;
  row: number;
  column: string | null;
  reason: QuarantineReason;
  detail: string;
  sha256: string | null;
  raw: string | null;
}

export interface PreparedTable {
  /** Parquet file holding the whole merged table (the lake's own file when nothing changed: read it, never write it). */
  file: string;
  rows: number;
  layouts: Layout[];
  /** Rows of this ingest that landed in the table, and how the merge treated them. */
  loaded: number;
  added: number;
  replaced: number;
  unchanged: number;
}

export interface PreparedIngest {
  tables: Record<string, PreparedTable>;
  /** True when the input was clean and went through the one-pass path (no staging). */
  onePass: boolean;
  /** Merged lake `quarantine` table (undefined when neither the lake nor this ingest has one). */
  quarantineFile: string | undefined;
  quarantineRows: number;
  /** Just this ingest's quarantined rows, as CSV. */
  quarantineCsv: string;
  inputRows: number;
  loadedRows: number;
  quarantinedRows: number;
  reasons: { reason: string; rows: number }[];
  files: { name: string; layout: Layout; table: string; input_rows: number; loaded_rows: number; quarantined_rows: number; unknown_columns: string[] }[];
}
