/**
 * @module One pass of reading input files into the lake's shape: the DuckDB connection, the scratch folder,
 * and the name of every working table and file the steps share (staging, reader rejects, row maps, key
 * checks, merges). Steps ask the pass for names instead of spelling them, so two steps can never disagree
 * about a table, and two files or tables of one pass never collide.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type DuckDBConnection, type EngineOptions, literal, openDuckDb } from '../engine/duckdb/connection.ts';
import { Quarantine } from './quarantine.ts';

/** A table name as a SQL identifier fragment (lake table names may hold characters SQL names cannot). */
const slug = (name: string) => name.replace(/[^a-z0-9_]/gi, '_');

export class IngestPass {
  readonly quarantine: Quarantine;

  private constructor(
    readonly conn: DuckDBConnection,
    /** Scratch folder of this pass; the caller removes it. */
    readonly workDir: string,
    private readonly owned: boolean,
  ) {
    this.quarantine = new Quarantine(conn, 'quarantine_new');
  }

  /** Opens a connection of its own (closed by `close()`); big sorts spill next to the staging files. */
  static async open(workDir: string, engine?: EngineOptions): Promise<IngestPass> {
    await mkdir(workDir, { recursive: true });
    const conn = await openDuckDb(engine);
    try {
      await conn.run(`SET temp_directory = ${literal(join(workDir, 'duckdb-tmp'))}`);
      const pass = new IngestPass(conn, workDir, true);
      await pass.quarantine.create();
      return pass;
    } catch (e) {
      conn.closeSync();
      throw e;
    }
  }

  /** A pass on a connection the caller owns (and closes), e.g. `dfp score` streaming from it afterwards. */
  static async on(conn: DuckDBConnection, workDir: string): Promise<IngestPass> {
    await mkdir(workDir, { recursive: true });
    const pass = new IngestPass(conn, workDir, false);
    await pass.quarantine.create();
    return pass;
  }

  close(): void {
    if (this.owned) this.conn.closeSync();
  }

  // Per input file (by its index in the pass).
  /** DuckDB's CSV reader errors and scans for the staged read of file i. */
  readerRejects = (i: number) => `reader_rejects_${i}`;
  readerScans = (i: number) => `reader_scans_${i}`;
  /** The same for the one-pass read (the staged read may follow it on the same connection). */
  onePassRejects = (i: number) => `onepass_rejects_${i}`;
  onePassScans = (i: number) => `onepass_scans_${i}`;
  /** One row per refused record of file i: `(rec, column_name, reason, detail, raw)`. */
  rejects = (i: number) => `rejects_${i}`;
  /** Records dfp's record scan refused before the reader ran (same columns as `rejects`). */
  scanRefused = (i: number) => `scan_refused_${i}`;
  /** Staging row → record number, when some records of file i were refused. */
  rowMap = (i: number) => `row_map_${i}`;
  /** Record of the normalised copy → record of the original file, when the copy left records out. */
  copyMap = (i: number) => `copy_map_${i}`;
  /** Staging Parquet of file i: columns c0…cN as read, plus `_problem`. */
  stageFile = (i: number) => join(this.workDir, `stage-${i}.parquet`);
  /** File i rewritten with normalised line ends and without the records the scan refused. */
  normalisedFile = (i: number) => join(this.workDir, `normalised-${i}.csv`);
  /** File i written straight to the lake's shape by the one-pass path. */
  onePassFile = (i: number) => join(this.workDir, `fast-${i}.parquet`);

  // Per target lake table.
  /** sha256 and label of every incoming row bound for the table. */
  keys = (table: string) => `keys_${slug(table)}`;
  /** Incoming rows the key checks drop: `(file_index, rid, "column", reason, detail, sha256)`. */
  dropped = (table: string) => `dropped_${slug(table)}`;
  incoming = (table: string) => `incoming_${slug(table)}`;
  existing = (table: string) => `existing_${slug(table)}`;
  changed = (table: string) => `changed_${slug(table)}`;
  /** The merged table's Parquet. */
  tableFile = (table: string) => join(this.workDir, `${table}.parquet`);
}
