/**
 * @module The quarantine: every input row that is not loaded, with its file, record number, column,
 * reason and raw values. Built as a DuckDB table during a pass, then written as this ingest's CSV and
 * merged into the lake's `quarantine` table (rows of re-ingested sources are replaced, so running the
 * same ingest twice leaves the table byte-identical). Reasons and their wording come from reasons.ts.
 */
import { type DuckDBConnection, ident, literal, queryRows } from '../engine/duckdb/connection.ts';
import { detailSql } from './reasons.ts';
import { col, rawJsonExpr } from './sql.ts';
import { type StagedFile, stagedFrom } from './stage.ts';

export const QUARANTINE_TABLE = 'quarantine';

/** Columns of the lake table and the CSV, in order. */
export const QUARANTINE_COLUMNS = ['source', 'row', 'column', 'reason', 'detail', 'sha256', 'table', 'raw'] as const;

export interface QuarantineCounts {
  byFile: Map<number, number>;
  reasons: { reason: string; rows: number }[];
  total: number;
}

export class Quarantine {
  constructor(
    private readonly conn: DuckDBConnection,
    /** The pass's working table. */
    private readonly table: string,
  ) {}

  async create(): Promise<void> {
    await this.conn.run(`CREATE TABLE ${this.table} (file_index INTEGER, "source" VARCHAR, "row" BIGINT, "column" VARCHAR, reason VARCHAR,
      detail VARCHAR, sha256 VARCHAR, "table" VARCHAR, raw VARCHAR)`);
  }

  /** Records the CSV reader or dfp's record scan refused (`rejects` table of the staged file). */
  async addRejects(f: StagedFile): Promise<void> {
    if (f.rejected === 0) return;
    await this.conn.run(`INSERT INTO ${this.table} SELECT ${f.index}, ${literal(f.file.name)}, rec, column_name, reason, detail, NULL, ${literal(f.table)}, raw
      FROM ${f.rejectsTable}`);
  }

  /** Rows that failed a per-row check in the staging pass (`_problem` = `reason|header|value`). */
  async addProblems(f: StagedFile): Promise<void> {
    if (f.problems === 0) return;
    const { from, rec } = stagedFrom(f);
    const key = f.plan.byLake.get('sha256');
    const sha = key ? `NULLIF(lower(trim(s.${col(key)})), '')` : 'NULL';
    await this.conn.run(`INSERT INTO ${this.table}
      SELECT ${f.index}, ${literal(f.file.name)}, rec, split_part(p, '|', 2), split_part(p, '|', 1), ${detailSql("split_part(p, '|', 1)", 'v')}, sha, ${literal(f.table)}, raw
      FROM (SELECT ${rec} AS rec, s._problem AS p,
              substr(s._problem, length(split_part(s._problem, '|', 1)) + length(split_part(s._problem, '|', 2)) + 3) AS v,
              ${sha} AS sha, ${rawJsonExpr(f.plan, 's')} AS raw
            FROM ${from} WHERE s._problem IS NOT NULL)`);
  }

  /** Rows dropped by the key checks (conflicting labels, duplicates), from `dropped(file_index, rid, …)`. */
  async addDropped(f: StagedFile, dropped: string, count: number): Promise<void> {
    if (count === 0) return;
    const { from, rec } = stagedFrom(f);
    await this.conn.run(`INSERT INTO ${this.table}
      SELECT ${f.index}, ${literal(f.file.name)}, ${rec}, d."column", d.reason, d.detail, d.sha256, ${literal(f.table)}, ${rawJsonExpr(f.plan, 's')}
      FROM ${from} JOIN ${dropped} d ON d.file_index = ${f.index} AND d.rid = s.file_row_number`);
  }

  async counts(): Promise<QuarantineCounts> {
    const byFile = new Map(
      (await queryRows<{ f: number; n: number }>(this.conn, `SELECT file_index AS f, count(*) AS n FROM ${this.table} GROUP BY 1`)).map((r) => [r.f, r.n]),
    );
    const reasons = await queryRows<{ reason: string; rows: number }>(this.conn, `SELECT reason, count(*) AS "rows" FROM ${this.table} GROUP BY 1 ORDER BY 2 DESC, 1`);
    return { byFile, reasons, total: [...byFile.values()].reduce((a, b) => a + b, 0) };
  }

  /** This pass's quarantined rows as CSV (header only when none). */
  async writeCsv(path: string): Promise<void> {
    const cols = QUARANTINE_COLUMNS.map(ident).join(', ');
    await this.conn.run(`COPY (SELECT ${cols} FROM ${this.table} ORDER BY file_index, "row") TO ${literal(path)} (FORMAT csv, HEADER true)`);
  }

  /**
   * The lake's quarantine table after this ingest: earlier rows of other sources, plus this ingest's.
   * Returns the rows written, or 0 (and no file) when there is nothing to keep.
   */
  async writeLakeTable(out: string, existing: string | undefined, sources: string[]): Promise<number> {
    const cols = QUARANTINE_COLUMNS.map(ident).join(', ');
    const parts = [`SELECT ${cols} FROM ${this.table}`];
    if (existing) {
      const names = sources.length ? sources.map(literal).join(', ') : "''";
      parts.push(`SELECT ${cols} FROM read_parquet(${literal(existing)}) WHERE "source" NOT IN (${names})`);
    }
    const [count] = await queryRows<{ n: number }>(this.conn, `SELECT count(*) AS n FROM (${parts.join(' UNION ALL ')})`);
    if (!count?.n && !existing) return 0;
    await this.conn.run(`COPY (SELECT * FROM (${parts.join(' UNION ALL ')}) ORDER BY "source", "row", "table") TO ${literal(out)} (FORMAT parquet, COMPRESSION zstd)`);
    return count?.n ?? 0;
  }
}
