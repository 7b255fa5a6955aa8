// Turns `dfp score --input` into a SQL relation of normalised rows (lake column names, FEATURE_COLUMNS
// included). A CSV/Parquet/zip file goes through the ingest's own planning and per-row checks (REBOOT →
// REBOOT_PERMISSION, bad rows to the quarantine CSV with reasons), planned against the model's features rather
// than the ingest's required columns: a file of sha256 + features is enough, label, dates, package and family
// are passed through when present. Not the ingest's merge: scoring needs no de-duplication, and skipping the
// sort keeps memory flat. Clean input is streamed in one pass with the checks inline; input with a bad row, or
// without sha256 (its rows are named by record number), takes the staged path. A lake table[@ref] is read as stored.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import { KEY_COLUMN, PASSTHROUGH_COLUMNS } from '../core/kronodroid/schema.ts';
import { DfpError, messageOf } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import { type DuckDBConnection, literal, queryRows } from '../engine/duckdb/connection.ts';
import { readCsvHeader } from '../ingest/header.ts';
import { type FilePlan, type ScoringContract, planFile, requireScoringColumns } from '../ingest/plan.ts';
import { cleanRowsSql, onePassRefused, stoppedNotClean } from '../ingest/fast-path.ts';
import { IngestPass } from '../ingest/pass.ts';
import { QUARANTINE_COLUMNS } from '../ingest/quarantine.ts';
import { scanRecords } from '../ingest/record-scan.ts';
import { resolveSource } from '../ingest/source.ts';
import { normalisedSelect } from '../ingest/sql.ts';
import { stageFile, stagedFrom } from '../ingest/stage.ts';
import type { InputFile } from '../ingest/types.ts';
import { openLake } from '../lake/open.ts';

/** How output rows are named: the input's sha256, or `<file>#<record>` when an input file has no sha256 column. */
export type KeyColumn = typeof KEY_COLUMN | 'row_id';
export const ROW_ID = 'row_id';

export interface ScoreInput {
  kind: 'file' | 'lake';
  /** Column of `relation` that names each row in the output. */
  key: KeyColumn;
  /** Passthrough columns (PASSTHROUGH_COLUMNS, and sha256 when the key is generated) some input has, in output order. */
  passthrough: string[];
  /** SQL relation of the rows to score (valid on the connection it was opened with); undefined when none are left. */
  relation: string | undefined;
  /** Undefined on the one-pass path: the rows are counted as they are scored. */
  inputRows: number | undefined;
  quarantinedRows: number;
  reasons: { reason: string; rows: number }[];
  /** Lake input: the commit read. */
  commit?: string;
  /** Set when `relation` is the unchecked one-pass stream (file input). */
  onePass?: OnePass;
}

/**
 * The one-pass stream's contract: reading `relation` throws an error `notClean` recognises at the first
 * bad row; after a full read `confirm` says whether the reader refused any record. On either, the caller
 * discards what it wrote and scores `fallback()`, the staged path with quarantine and row numbers.
 */
export interface OnePass {
  notClean(e: unknown): boolean;
  confirm(): Promise<boolean>;
  fallback(): Promise<ScoreInput>;
}

/** Rows per staging row group: ~490 columns × 8 Ki rows stays in the tens of MB (DuckDB's default grows to ~0.5 GB). */
const STAGE_ROW_GROUP = 8192;

const SCHEME = /^(https?:|kaggle:|kronodroid:)/;
const LAKE_SPEC = /^([A-Za-z_][\w-]*)(?:@(.+))?$/;

/** True when `spec` names a file or remote source rather than a lake table. */
export function isFileInput(spec: string): boolean {
  return existsSync(spec) || SCHEME.test(spec) || /[/\\]|\.(csv|gz|zip|parquet)$/i.test(spec);
}

interface OpenOptions {
  conn: DuckDBConnection;
  config: DfpConfig;
  spec: string;
  workDir: string;
  quarantineCsv: string;
  progress: Progress;
  /** The model the rows are for: what a file must have is its features, nothing else. */
  scoring: ScoringContract;
}

export async function openInput(o: OpenOptions): Promise<ScoreInput> {
  await mkdir(dirname(o.quarantineCsv), { recursive: true });
  return isFileInput(o.spec) ? openFiles(o) : openLakeTable(o);
}

async function headerOf(conn: DuckDBConnection, file: InputFile): Promise<string[]> {
  if (file.format !== 'parquet') return readCsvHeader(file.path, file.format === 'csv.gz');
  try {
    return (await queryRows<{ column_name: string }>(conn, `DESCRIBE SELECT * FROM read_parquet(${literal(file.path)})`)).map((r) => r.column_name);
  } catch (e) {
    throw new DfpError('INPUT_INVALID', `${file.name} is not a readable Parquet file: ${messageOf(e)}`, { file: file.name }, { cause: e });
  }
}

async function openFiles(o: OpenOptions): Promise<ScoreInput> {
  if (!SCHEME.test(o.spec) && !existsSync(o.spec)) throw new DfpError('NOT_FOUND', `--input '${o.spec}': no such file`, { input: o.spec });
  const resolved = await resolveSource(o.spec, { config: o.config, workDir: join(o.workDir, 'unpacked'), progress: o.progress });
  const { conn } = o;
  // Every header first: a file missing required columns refuses the whole input before any work (as in ingest).
  const plans: FilePlan[] = [];
  for (const file of resolved.files) plans.push(planFile(file.name, await headerOf(conn, file), o.scoring));
  const pass = await IngestPass.on(conn, o.workDir);
  const shape = outputShape(plans);
  await writeFile(o.quarantineCsv, `${QUARANTINE_COLUMNS.join(',')}\n`);
  // Generated ids are record numbers, which only the staged path knows.
  if (shape.key === ROW_ID) return openStaged(o, pass, resolved.files, plans, shape);
  // Clean input, the common case: one streamed pass, checks inline, no staging file. Until the caller has
  // read it to the end and confirmed, nothing is known to be clean; a bad row aborts the stream (error()).
  const parts = resolved.files.map((file, i) => cleanRowsSql(pass, file, i, plans[i]!));
  return {
    kind: 'file',
    ...shape,
    relation: `(${parts.join(' UNION ALL ')})`,
    inputRows: undefined,
    quarantinedRows: 0,
    reasons: [],
    onePass: {
      notClean: stoppedNotClean,
      confirm: async () => {
        for (const [i, file] of resolved.files.entries()) {
          if (file.format === 'parquet') continue;
          // Records the CSV reader refused are missing from the stream without a word, and so are records it
          // cannot see (a huge last line): dfp's record scan finds those. The staged path names them all.
          if ((await onePassRefused(pass, i)) > 0) return false;
          const scan = await scanRecords(file.path, { gzip: file.format === 'csv.gz' });
          if (scan.needsCopy) return false;
        }
        return true;
      },
      fallback: () => openStaged(o, pass, resolved.files, plans, shape),
    },
  };
}

/** The output's key and passthrough columns: the union of what the files have, in PASSTHROUGH_COLUMNS order. */
function outputShape(plans: FilePlan[]): { key: KeyColumn; passthrough: string[] } {
  const has = (c: string) => plans.some((p) => p.byLake.has(c));
  const key: KeyColumn = plans.every((p) => p.byLake.has(KEY_COLUMN)) ? KEY_COLUMN : ROW_ID;
  return { key, passthrough: [...(key === ROW_ID && has(KEY_COLUMN) ? [KEY_COLUMN] : []), ...PASSTHROUGH_COLUMNS.filter(has)] };
}

/** The general path: every file staged (small row groups: flat memory) so each bad row is quarantined by number. */
async function openStaged(o: OpenOptions, pass: IngestPass, files: InputFile[], plans: FilePlan[], shape: { key: KeyColumn; passthrough: string[] }): Promise<ScoreInput> {
  const parts: string[] = [];
  let inputRows = 0;
  for (const [i, file] of files.entries()) {
    o.progress.start(`validating ${file.name}`);
    const staged = await stageFile(pass, file, i, plans[i]!, 'score', { rowGroupSize: STAGE_ROW_GROUP });
    await pass.quarantine.addRejects(staged);
    await pass.quarantine.addProblems(staged);
    inputRows += staged.accepted + staged.rejected;
    const { from, rec } = stagedFrom(staged);
    // The row id is the record number the quarantine uses too, so an output row can be traced to its line.
    const rowId = shape.key === ROW_ID ? `, ${literal(`${file.name}#`)} || CAST(${rec} AS VARCHAR) AS ${ROW_ID}` : '';
    parts.push(`SELECT ${normalisedSelect(staged.plan, 's', file.name)}${rowId} FROM ${from} WHERE s._problem IS NULL`);
    o.progress.stop();
  }
  await pass.quarantine.writeCsv(o.quarantineCsv);
  const counts = await pass.quarantine.counts();
  return {
    kind: 'file',
    ...shape,
    relation: inputRows > counts.total ? `(${parts.join(' UNION ALL ')})` : undefined,
    inputRows,
    quarantinedRows: counts.total,
    reasons: counts.reasons,
  };
}

async function openLakeTable(o: OpenOptions): Promise<ScoreInput> {
  const m = LAKE_SPEC.exec(o.spec);
  if (!m) throw new DfpError('USAGE', `--input '${o.spec}' is neither a file nor a lake table[@ref] (e.g. training_apps@main)`);
  const table = m[1] as string;
  const ref = m[2] ?? o.config.lake.default_branch;
  const lake = await openLake(o.config);
  try {
    let commit;
    try {
      commit = await lake.resolve(ref);
    } catch (e) {
      throw new DfpError('NOT_FOUND', `--input '${o.spec}': lake ref '${ref}' not found in ${lake.location} (${messageOf(e)})`, { ref });
    }
    const entry = commit.tables[table];
    if (!entry) throw new DfpError('NOT_FOUND', `--input '${o.spec}': no table '${table}' at ${ref} (${commit.id.slice(0, 12)}); tables: ${Object.keys(commit.tables).sort().join(', ')}`, { table });
    // Lake rows were validated when ingested: nothing to quarantine, but the file is written so every run has one.
    await writeFile(o.quarantineCsv, `${QUARANTINE_COLUMNS.join(',')}\n`);
    const path = await lake.tablePath(commit.id, table);
    const relation = `read_parquet(${literal(path)})`;
    const have = new Set((await queryRows<{ column_name: string }>(o.conn, `DESCRIBE SELECT * FROM ${relation}`)).map((r) => r.column_name));
    if (!have.has(KEY_COLUMN)) throw new DfpError('SCHEMA_MISMATCH', `--input '${o.spec}': table '${table}' has no ${KEY_COLUMN} column; score a table of apps (e.g. training_apps)`, { table });
    requireScoringColumns(`--input '${o.spec}' (table '${table}')`, have, o.scoring);
    return {
      kind: 'lake',
      key: KEY_COLUMN,
      passthrough: PASSTHROUGH_COLUMNS.filter((c) => have.has(c)),
      relation,
      inputRows: entry.rows,
      quarantinedRows: 0,
      reasons: [],
      commit: commit.id,
    };
  } finally {
    await lake.close();
  }
}
