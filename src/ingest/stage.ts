/**
 * @module Pass one over an input file: DuckDB parses it (CSV reader or Parquet) straight into a staging
 * Parquet file in file order, with each row's first problem in `_problem`; records the reader itself
 * refuses (wrong number of fields, bad quoting, a count that is not a number) land in its rejects table.
 * Nothing is held in memory, and one streaming pass does all the per-row checks. A CSV file is first
 * counted by dfp's own record scan; when the scan finds line ends or records the reader cannot take, the
 * reader reads the scan's normalised copy instead, and the records the scan refused join the reader's.
 * Either way the staged and refused records add up to the scan's count, or the file is refused whole.
 */
import { DfpError, messageOf } from '../core/errors.ts';
import { classifyFault } from '../core/faults.ts';
import { ident, literal, queryRows } from '../engine/duckdb/connection.ts';
import type { IngestPass } from './pass.ts';
import type { FilePlan } from './plan.ts';
import { readerReasonSql } from './reasons.ts';
import { type RecordScan, scanRecords } from './record-scan.ts';
import { col, problemExpr, readCsvSql, readParquetSql } from './sql.ts';
import type { InputFile } from './types.ts';

export interface StagedFile {
  index: number;
  file: InputFile;
  plan: FilePlan;
  /** Target lake table. */
  table: string;
  /** Staging Parquet: columns c0…cN as read, plus `_problem`. */
  stage: string;
  /** Rows in the staging file (records the reader accepted). */
  accepted: number;
  /** Records refused by the scan or the reader; one quarantine row each in `rejectsTable`. */
  rejected: number;
  rejectsTable: string;
  /** Table mapping staging row → record number; absent when no record was refused (row = rid + 1). */
  rowMap: string | undefined;
  /** Staged rows that failed a per-row check (`_problem` set). */
  problems: number;
}

/** FROM clause over a staged file (alias s), and the expression of each row's 1-based record number. */
export function stagedFrom(f: StagedFile): { from: string; rec: string } {
  const scan = `read_parquet(${literal(f.stage)}, file_row_number = true) s`;
  if (!f.rowMap) return { from: scan, rec: '(s.file_row_number + 1)' };
  return { from: `${scan} JOIN ${f.rowMap} r ON r.rid = s.file_row_number`, rec: 'r.rec' };
}

export interface StageOptions {
  /**
   * Parquet row-group size of the stage (default: DuckDB's 122,880). A group of ~490 columns is buffered
   * whole before it is flushed, so a caller that must stay in flat memory (batch scoring) asks for small ones.
   */
  rowGroupSize?: number;
  /** The file's record scan, when the caller has one already (the one-pass attempt runs it). */
  scan?: RecordScan;
}

export async function stageFile(pass: IngestPass, file: InputFile, index: number, plan: FilePlan, table: string, opts: StageOptions = {}): Promise<StagedFile> {
  const { conn } = pass;
  const stage = pass.stageFile(index);
  const check = problemExpr(plan);
  const csv = file.format !== 'parquet';
  const header = plan.columns.map((c) => c.header);
  let scan = csv ? (opts.scan ?? (await scanRecords(file.path, { gzip: file.format === 'csv.gz', header }))) : undefined;
  const normalise = async () => {
    scan = await scanRecords(file.path, { gzip: file.format === 'csv.gz', header, copyTo: pass.normalisedFile(index) });
  };
  if (scan?.needsCopy) await normalise();
  const copy = async () => {
    let select: string;
    if (!csv) {
      select = `SELECT * EXCLUDE (_pre), COALESCE(_pre, ${check}) AS _problem FROM ${readParquetSql(file.path, plan)}`;
    } else {
      const path = scan?.copy ?? file.path;
      const gzip = !scan?.copy && file.format === 'csv.gz';
      select = `SELECT *, ${check} AS _problem FROM ${readCsvSql(path, gzip, plan, pass.readerRejects(index), pass.readerScans(index))}`;
    }
    // LZ4: cheapest to write and read back; the stage lives only for this ingest.
    await conn.run(`COPY (${select}) TO ${literal(stage)} (FORMAT parquet, COMPRESSION lz4_raw${opts.rowGroupSize ? `, ROW_GROUP_SIZE ${opts.rowGroupSize}` : ''})`);
  };
  try {
    try {
      await copy();
    } catch (e) {
      // The reader stopped on the file as it is: retry once on a normalised copy before giving up.
      if (!csv || scan?.copy || classifyFault(e)?.code === 'STORAGE') throw e;
      await normalise();
      await copy();
    }
  } catch (e) {
    // A full disk or an unwritable folder is the machine's fault, not the file's.
    const fault = classifyFault(e);
    if (fault?.code === 'STORAGE') throw fault;
    const how = scan?.copy ? ' (after normalising its line ends)' : '';
    throw new DfpError('INPUT_INVALID', `cannot read ${file.name}${how}: ${firstLine(messageOf(e))}`, { file: file.name }, { cause: e });
  }
  // Reads one column: cheap, and lets clean files skip the quarantine scans entirely.
  const [count] = await queryRows<{ n: number; bad: number }>(conn, `SELECT count(*) AS n, count(_problem) AS bad FROM read_parquet(${literal(stage)})`);
  const accepted = count?.n ?? 0;
  const problems = count?.bad ?? 0;

  let rejected = 0;
  let rowMap: string | undefined;
  const rejects = pass.rejects(index);
  if (scan) {
    rejected = await collectRejects(pass, index, plan, scan);
    const total = accepted + rejected;
    if (total !== scan.records) {
      // dfp and the reader disagree about where records end (e.g. a stray quote mid-file): nothing about
      // this file can be trusted to the row, so none of it is loaded.
      throw new DfpError(
        'INPUT_INVALID',
        `cannot account for every record of ${file.name}: dfp counts ${scan.records} records, the CSV reader ${total}; `
          + 'look for a stray double quote (") that opens a quoted field which never closes',
        { file: file.name, records: scan.records, reader_records: total },
      );
    }
    if (rejected > 0) {
      rowMap = pass.rowMap(index);
      // Accepted rows keep file order, so the k-th accepted row is the k-th record number not refused.
      await conn.run(`CREATE TABLE ${rowMap} AS SELECT CAST(row_number() OVER (ORDER BY n) - 1 AS BIGINT) AS rid, n AS rec
        FROM range(1, ${total + 1}) t(n) WHERE n NOT IN (SELECT rec FROM ${rejects}) ORDER BY rid`);
    }
  }
  return { index, file, plan, table, stage, accepted, rejected, rejectsTable: rejects, rowMap, problems };
}

const firstLine = (s: string) => s.split('\n')[0]!.trim();

/**
 * One row per refused record in the pass's `rejects` table: record number (of the original file), column,
 * reason, detail, raw. The reader's rejects (one line per error, several per record; the reader counts
 * records with the header as 1, in the copy when it read one) are reduced to the first error of each
 * record; the scan's refusals are added as they are.
 */
async function collectRejects(pass: IngestPass, index: number, plan: FilePlan, scan: RecordScan): Promise<number> {
  const { conn } = pass;
  const names = plan.columns.map((c) => `(${literal(col(c))}, ${literal(c.header)})`).join(', ');
  const ncols = plan.columns.length;
  const refused = pass.scanRefused(index);
  await conn.run(`CREATE TABLE ${refused} (rec BIGINT, column_name VARCHAR, reason VARCHAR, detail VARCHAR, raw VARCHAR)`);
  if (scan.refused.length) {
    const appender = await conn.createAppender(refused);
    for (const r of scan.refused) {
      appender.appendBigInt(BigInt(r.rec));
      if (r.column === null) appender.appendNull();
      else appender.appendVarchar(r.column);
      appender.appendVarchar(r.reason);
      appender.appendVarchar(r.detail);
      appender.appendVarchar(r.raw);
      appender.endRow();
    }
    appender.closeSync();
  }
  // The copy leaves the refused records out: its k-th record is the k-th record of the file not refused.
  let recOf = 'r.rec';
  if (scan.copy && scan.refused.length) {
    await conn.run(`CREATE TABLE ${pass.copyMap(index)} AS SELECT row_number() OVER (ORDER BY n) AS c, n AS rec
      FROM range(1, ${scan.records + 1}) t(n) WHERE n NOT IN (SELECT rec FROM ${refused})`);
    recOf = `(SELECT m.rec FROM ${pass.copyMap(index)} m WHERE m.c = r.rec)`;
  }
  await conn.run(`CREATE TABLE ${pass.rejects(index)} AS
    WITH e AS (
      SELECT line, column_name, error_type, error_message, csv_line,
        (CASE WHEN error_type IN ('TOO MANY COLUMNS', 'MISSING COLUMNS') THEN 0 WHEN error_type = 'CAST' THEN 2 ELSE 1 END) * 100000 + coalesce(column_idx, 0) AS prio,
        TRY_CAST(regexp_extract(error_message, 'Found: ([0-9]+)', 1) AS BIGINT) AS found
      FROM ${ident(pass.readerRejects(index))}),
    r AS (
      SELECT CAST(line AS BIGINT) - 1 AS rec, arg_min(error_type, prio) AS error_type, arg_min(column_name, prio) AS column_name,
        arg_min(error_message, prio) AS message, any_value(csv_line) AS raw,
        max(found) FILTER (WHERE error_type = 'TOO MANY COLUMNS') AS too_many, min(found) FILTER (WHERE error_type = 'MISSING COLUMNS') AS too_few
      FROM e GROUP BY line)
    SELECT ${recOf} AS rec, h.header AS column_name, ${readerReasonSql('r.error_type')} AS reason,
      CASE
        WHEN r.error_type = 'TOO MANY COLUMNS' THEN 'expected ${ncols} fields, found ' || coalesce(CAST(r.too_many AS VARCHAR), 'more')
        WHEN r.error_type = 'MISSING COLUMNS' THEN 'expected ${ncols} fields, found ' || coalesce(CAST(r.too_few AS VARCHAR), 'fewer')
        WHEN r.error_type = 'CAST' THEN 'value "' || regexp_extract(r.message, 'string "(.*)" to', 1) || '" is not a number'
        ELSE lower(r.error_type) || ': ' || r.message END AS detail,
      r.raw
    FROM r LEFT JOIN (VALUES ${names}) h(c, header) ON h.c = r.column_name
    UNION ALL SELECT * FROM ${refused}
    ORDER BY rec`);
  const [row] = await queryRows<{ n: number }>(conn, `SELECT count(*) AS n FROM ${pass.rejects(index)}`);
  return row?.n ?? 0;
}
