// Turns `dfp score --input` into one normalised Parquet file (FEATURE_COLUMNS named as in the lake):
// a CSV/Parquet/zip file in either KronoDroid layout goes through the ingest validation and normalisation
// (bad rows to the quarantine CSV with reasons), a lake table[@ref] is read as stored.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError, messageOf } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import { engineOptions } from '../engine/duckdb/connection.ts';
import { prepareIngest } from '../ingest/prepare.ts';
import { QUARANTINE_COLUMNS } from '../ingest/quarantine.ts';
import { resolveSource } from '../ingest/source.ts';
import { openLake } from '../lake/open.ts';

export interface ScoreInput {
  kind: 'file' | 'lake';
  /** Normalised rows to score; undefined when every row was quarantined. */
  parquet: string | undefined;
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
  return existsSync(spec) || SCHEME.test(spec) || /\.(csv|gz|zip|parquet)$/i.test(spec);
}

export async function openInput(o: { config: DfpConfig; spec: string; workDir: string; quarantineCsv: string; progress: Progress }): Promise<ScoreInput> {
  if (isFileInput(o.spec)) {
    if (!SCHEME.test(o.spec) && !existsSync(o.spec)) throw new DfpError('NOT_FOUND', `--input '${o.spec}': no such file`, { input: o.spec });
    const resolved = await resolveSource(o.spec, { config: o.config, workDir: join(o.workDir, 'unpacked'), progress: o.progress });
    // The ingest path exactly: layout detection, REBOOT → REBOOT_PERMISSION, per-row checks, quarantine.
    const p = await prepareIngest({
      files: resolved.files,
      workDir: join(o.workDir, 'normalised'),
      table: 'score',
      existing: async () => undefined,
      quarantineCsv: o.quarantineCsv,
      engine: engineOptions(o.config),
      progress: o.progress,
    });
    const t = p.tables.score;
    return { kind: 'file', parquet: t && t.rows > 0 ? t.file : undefined, inputRows: p.inputRows, quarantinedRows: p.quarantinedRows, reasons: p.reasons };
  }
  const m = LAKE_SPEC.exec(o.spec);
  if (!m) throw new DfpError('USAGE', `--input '${o.spec}' is neither a file nor a lake table[@ref] (e.g. training_apps@main)`);
  const [, table, ref = o.config.lake.default_branch] = m as unknown as [string, string, string | undefined];
  const lake = await openLake(o.config);
  try {
    let commit;
    try {
      commit = await lake.resolve(ref);
    } catch (e) {
      throw new DfpError('NOT_FOUND', `--input '${o.spec}': lake ref '${ref}' not found in ${lake.location} (${messageOf(e)})`, { ref });
    }
    const entry = commit.tables[table as string];
    if (!entry) throw new DfpError('NOT_FOUND', `--input '${o.spec}': no table '${table}' at ${ref} (${commit.id.slice(0, 12)}); tables: ${Object.keys(commit.tables).sort().join(', ')}`, { table });
    // Lake rows were validated when ingested: nothing to quarantine, but the file is written so every run has one.
    await mkdir(join(o.quarantineCsv, '..'), { recursive: true });
    await writeFile(o.quarantineCsv, `${QUARANTINE_COLUMNS.join(',')}\n`);
    return { kind: 'lake', parquet: await lake.tablePath(commit.id, table as string), inputRows: entry.rows, quarantinedRows: 0, reasons: [], commit: commit.id };
  } finally {
    await lake.close();
  }
}
