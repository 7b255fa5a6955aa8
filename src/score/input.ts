// Turns `dfp score --input` into a SQL relation of normalised rows (lake column names, FEATURE_COLUMNS
// included). A CSV/Parquet/zip file in either KronoDroid layout goes through the ingest's own planning,
// staging and per-row checks (REBOOT → REBOOT_PERMISSION, bad rows to the quarantine CSV with reasons),
// but not its merge: scoring needs no de-duplication, and skipping the sort keeps memory flat.
// A lake table[@ref] is read as stored.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError, messageOf } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import { type DuckDBConnection, literal, queryRows } from '../engine/duckdb/connection.ts';
import { readCsvHeader } from '../ingest/header.ts';
import { planFile } from '../ingest/plan.ts';
import { QUARANTINE_COLUMNS, createQuarantine, quarantineCounts, quarantineProblems, quarantineRejects, writeQuarantineCsv } from '../ingest/quarantine.ts';
import { resolveSource } from '../ingest/source.ts';
import { normalisedSelect } from '../ingest/sql.ts';
import { stagedFrom } from '../ingest/stage.ts';
import { stageForScoring } from './stage.ts';
import type { InputFile } from '../ingest/types.ts';
import { openLake } from '../lake/open.ts';

export interface ScoreInput {
  kind: 'file' | 'lake';
  /** SQL relation of the rows to score (valid on the connection it was opened with); undefined when none are left. */
  relation: string | undefined;
  inputRows: number;
  quarantinedRows: number;
  reasons: { reason: string; rows: number }[];
  /** Lake input: the commit read. */
  commit?: string;
}

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
  const plans = [];
  for (const file of resolved.files) plans.push(planFile(file.name, await headerOf(conn, file)));
  await createQuarantine(conn);
  const parts: string[] = [];
  let inputRows = 0;
  for (const [i, file] of resolved.files.entries()) {
    o.progress.start(`validating ${file.name}`);
    const staged = await stageForScoring(conn, file, i, plans[i]!, o.workDir);
    await quarantineRejects(conn, staged);
    await quarantineProblems(conn, staged);
    inputRows += staged.accepted + staged.rejected;
    const { from } = stagedFrom(staged);
    parts.push(`SELECT ${normalisedSelect(staged.plan, 's', file.name)} FROM ${from} WHERE s._problem IS NULL`);
    o.progress.stop();
  }
  await writeQuarantineCsv(conn, o.quarantineCsv);
  const counts = await quarantineCounts(conn);
  return {
    kind: 'file',
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
    return { kind: 'lake', relation: `read_parquet(${literal(path)})`, inputRows: entry.rows, quarantinedRows: 0, reasons: [], commit: commit.id };
  } finally {
    await lake.close();
  }
}
