// Loads labelled KronoDroid rows as a dense raw feature matrix: from the lake's training_apps table or from any data file.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError, isDfpError, messageOf } from '../core/errors.ts';
import { FEATURE_COLUMNS, KEY_COLUMN, LABEL_COLUMN } from '../core/kronodroid/schema.ts';
import type { VersionedLake } from '../core/lake/types.ts';
import { assertNoLeakage } from '../core/ml/models/features.ts';
import type { Progress } from '../core/progress.ts';
import { type EngineOptions, engineOptions, ident, literal, openDuckDb, queryRows } from '../engine/duckdb/connection.ts';
import { prepareIngest } from '../ingest/prepare.ts';
import { resolveSource } from '../ingest/source.ts';

/** Rows in one order; `x` is row-major [n, FEATURE_COLUMNS.length] raw values, NaN where missing. */
export interface Dataset {
  n: number;
  x: Float32Array;
  y: Uint8Array;
  sha256: string[];
  /** YYYY-MM of the app's event time, or null when unknown. */
  month: (string | null)[];
  family: (string | null)[];
  category: (string | null)[];
}

/** Where a dataset came from, as recorded with a run. */
export interface DataSource {
  kind: 'lake' | 'file';
  ref: string;
  commit: string;
  table: string;
  digest: string;
  location: string;
}

/**
 * Reads a Parquet file. Only FEATURE_COLUMNS are read as features, whatever else the table has (Scanners,
 * Detection_Ratio, … never enter a model). `eventTime` is the SQL of the row's event date.
 */
export async function readDataset(parquet: string, eventTime: string, engine: EngineOptions = {}): Promise<Dataset> {
  assertNoLeakage(FEATURE_COLUMNS);
  const conn = await openDuckDb(engine);
  try {
    const src = `read_parquet(${literal(parquet)})`;
    const have = new Set((await queryRows<{ column_name: string }>(conn, `DESCRIBE SELECT * FROM ${src}`)).map((r) => r.column_name));
    const missing = [KEY_COLUMN, LABEL_COLUMN, ...FEATURE_COLUMNS].filter((c) => !have.has(c) && c !== 'FilesInsideAPK');
    if (missing.length > 0) {
      throw new DfpError('SCHEMA_MISMATCH', `${parquet} lacks ${missing.length} required column(s) (${missing.slice(0, 5).join(', ')}); rebuild it with \`dfp ingest\` and \`dfp transform\``, { missing });
    }
    const opt = (c: string) => (have.has(c) ? `CAST(${ident(c)} AS VARCHAR)` : 'NULL');
    const feats = FEATURE_COLUMNS.map((c, j) => (have.has(c) ? `CAST(${ident(c)} AS DOUBLE) AS f${j}` : `NULL::DOUBLE AS f${j}`)).join(', ');
    const sql = `SELECT ${ident(KEY_COLUMN)} AS sha, CAST(${ident(LABEL_COLUMN)} AS INTEGER) AS label, strftime(${eventTime}, '%Y-%m') AS month,
      ${opt('MalFamily')} AS family, ${opt('Categories')} AS category, ${feats} FROM ${src} ORDER BY ${ident(KEY_COLUMN)}`;
    const rows = await queryRows<Record<string, unknown>>(conn, sql);
    const F = FEATURE_COLUMNS.length;
    const x = new Float32Array(rows.length * F);
    const y = new Uint8Array(rows.length);
    rows.forEach((r, i) => {
      y[i] = Number(r.label) === 1 ? 1 : 0;
      for (let j = 0; j < F; j++) {
        const v = r[`f${j}`];
        x[i * F + j] = v === null || v === undefined ? NaN : Number(v);
      }
    });
    const str = (v: unknown) => (v === null || v === undefined || String(v).trim() === '' ? null : String(v).trim());
    return {
      n: rows.length,
      x,
      y,
      sha256: rows.map((r) => String(r.sha)),
      month: rows.map((r) => str(r.month)),
      family: rows.map((r) => str(r.family)),
      category: rows.map((r) => str(r.category)),
    };
  } finally {
    conn.closeSync();
  }
}

/** The mart's own event time column. */
const MART_EVENT_TIME = 'event_timestamp';
/** The normalised lake layout: the same rule as the staging model (enhanced date, then real, then emulator; sentinels are unknown). */
const RAW_EVENT_TIME = `COALESCE(${['Highest-date', 'HighestModDate', 'LastModDate']
  .map((c) => `CASE WHEN ${ident(c)} > DATE '1980-01-01' THEN ${ident(c)} END`)
  .join(', ')})`;

/** training_apps (or another mart table) at a lake ref; a missing table says which commands build it. */
export async function loadLakeDataset(lake: VersionedLake, ref: string, table: string, engine: EngineOptions): Promise<{ data: Dataset; source: DataSource }> {
  let commit;
  try {
    commit = await lake.resolve(ref);
  } catch (e) {
    throw new DfpError('NOT_FOUND', `lake ref '${ref}' not found in ${lake.location}: ${messageOf(e)}`, { ref }, { cause: e });
  }
  const entry = commit.tables[table];
  if (!entry) {
    throw new DfpError('NOT_FOUND', `lake table '${table}' does not exist at ${ref} (${commit.id.slice(0, 12)}); run \`dfp ingest\` and then \`dfp transform\` to build it`, { ref, table });
  }
  const path = await lake.tablePath(commit.id, table);
  const cols = new Set(entry.columns.map((c) => c.name));
  const data = await readDataset(path, cols.has(MART_EVENT_TIME) ? MART_EVENT_TIME : RAW_EVENT_TIME, engine);
  return { data, source: { kind: 'lake', ref, commit: commit.id, table, digest: entry.content_hash, location: lake.location } };
}

/** Any KronoDroid file (either layout, CSV/Parquet/zip, never ingested): validated and normalised like an ingest, then read. */
export async function loadFileDataset(spec: string, config: DfpConfig, progress?: Progress): Promise<{ data: Dataset; source: DataSource }> {
  const tmp = join(config.workspace, 'tmp');
  await mkdir(tmp, { recursive: true });
  const work = await mkdtemp(join(tmp, 'eval-'));
  try {
    const resolved = await resolveSource(spec, { config, workDir: join(work, 'unpacked'), progress });
    const prepared = await prepareIngest({
      files: resolved.files,
      workDir: join(work, 'out'),
      table: 'evaluation',
      existing: async () => undefined,
      quarantineCsv: join(work, 'quarantine.csv'),
      engine: engineOptions(config),
      progress,
    }).catch((e: unknown) => {
      // The file is read to be evaluated, not ingested: an unlabelled one belongs to `dfp score`.
      const missing = isDfpError(e) && e.code === 'SCHEMA_MISMATCH' ? e.details?.missing : undefined;
      if (!Array.isArray(missing) || !missing.includes(LABEL_COLUMN)) throw e;
      throw new DfpError(
        'SCHEMA_MISMATCH',
        `${(e as DfpError).message.replace(/; nothing was ingested$/, '')}: evaluating needs labelled apps (${LABEL_COLUMN}); \`dfp score\` scores apps without a label`,
        (e as DfpError).details,
        { cause: e },
      );
    });
    const t = prepared.tables.evaluation;
    if (!t || t.rows === 0) throw new DfpError('INPUT_INVALID', `${spec} has no usable rows (${prepared.quarantinedRows} quarantined)`);
    const data = await readDataset(t.file, RAW_EVENT_TIME, engineOptions(config));
    const digest = resolved.sources.map((s) => s.sha256).join(',');
    return { data, source: { kind: 'file', ref: spec, commit: '', table: 'evaluation', digest, location: spec } };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
