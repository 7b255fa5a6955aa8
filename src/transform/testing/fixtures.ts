// Test fixtures for transforms: a lake in a temporary workspace and small raw KronoDroid tables in the
// lake's normalised shape (NORMALISED_COLUMNS), written with DuckDB so tests do not depend on ingest.
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { configSchema, type DfpConfig } from '../../core/config/schema.ts';
import { NORMALISED_COLUMNS } from '../../core/kronodroid/schema.ts';
import { literal, openDuckDb } from '../../engine/duckdb/connection.ts';
import { openLake } from '../../lake/open.ts';
import type { ObjectLake } from '../../lake/repository.ts';
import { quote } from '../column-groups.ts';
import { DEFAULT_PROJECT } from '../defaults.ts';

export type RawRow = Record<string, string | number | null>;

export interface Fixture {
  dir: string;
  config: DfpConfig;
  lake: ObjectLake;
}

export async function tempLake(prefix = 'dfp-transform-'): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const config = configSchema.parse({ workspace: dir, engine: { threads: 1 } });
  return { dir, config, lake: await openLake(config) };
}

/** A raw app: every count 0, a valid label, date and lineage; `over` replaces any column. */
export function rawApp(i: number, over: RawRow = {}): RawRow {
  return {
    sha256: i.toString(16).padStart(64, '0'),
    Package: ` app${i}\n`,
    Malware: i % 4 === 0 ? 1 : 0,
    MalFamily: i % 4 === 0 ? 'Fam' : '',
    Categories: i % 4 === 0 ? 'Trojan' : 'Benign',
    'Highest-date': '2019-06-15',
    year_month: '2019-06-01',
    Year: 2019,
    read: 10 + i,
    socket: i % 3,
    INTERNET: 1,
    nr_syscalls: 10 + i + (i % 3),
    _layout: 'enhanced',
    _source: 'fixture.csv',
    ...over,
  };
}

/** Writes rows as a Parquet file with exactly the lake's raw columns and types. */
export async function writeRaw(path: string, rows: RawRow[]): Promise<string> {
  const conn = await openDuckDb({ threads: 1 });
  try {
    const cols = NORMALISED_COLUMNS.map((c) => `${quote(c.name)} ${c.type}`).join(', ');
    await conn.run(`CREATE TABLE raw (${cols})`);
    const value = (c: { name: string; type: string }, r: RawRow) => {
      const v = r[c.name];
      if (v === undefined) return c.type === 'VARCHAR' || c.type === 'DATE' ? 'NULL' : '0';
      if (v === null) return 'NULL';
      return typeof v === 'number' ? String(v) : literal(v);
    };
    for (const r of rows) await conn.run(`INSERT INTO raw VALUES (${NORMALISED_COLUMNS.map((c) => value(c, r)).join(', ')})`);
    await conn.run(`COPY raw TO ${literal(path)} (FORMAT PARQUET)`);
  } finally {
    conn.closeSync();
  }
  return path;
}

/** A new file name per call: two commits within one millisecond must not write over each other's input. */
let files = 0;
const nextFile = (f: Fixture, table: string) => join(f.dir, `${table}-${++files}.parquet`);

/** Commits rows as lake table `kronodroid_real` on main. */
export async function commitRaw(f: Fixture, rows: RawRow[], table = 'kronodroid_real'): Promise<string> {
  const file = await writeRaw(nextFile(f, table), rows);
  return (await f.lake.commit({ branch: 'main', message: 'fixture', tables: { [table]: { file, key: 'sha256' } } })).id;
}

/** A project folder with the given files (path under models/ → text). */
export function writeProject(dir: string, files: Record<string, string>): string {
  const root = mkdtempSync(join(dir, 'project-'));
  for (const [path, text] of Object.entries(files)) {
    const full = join(root, 'models', path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
  return root;
}

/** A copy of the shipped analytics project, so a test may edit a model. */
export function copyShipped(dir: string): string {
  const root = join(dir, 'kronodroid');
  cpSync(DEFAULT_PROJECT, root, { recursive: true });
  return root;
}

/** Commits the result of a SELECT (any shape) as lake table `name` on main. */
export async function commitQuery(f: Fixture, tables: Record<string, string>): Promise<string> {
  const conn = await openDuckDb({ threads: 1 });
  const writes: Record<string, { file: string }> = {};
  try {
    for (const [name, sql] of Object.entries(tables)) {
      const file = nextFile(f, name);
      await conn.run(`COPY (${sql}) TO ${literal(file)} (FORMAT PARQUET)`);
      writes[name] = { file };
    }
  } finally {
    conn.closeSync();
  }
  return (await f.lake.commit({ branch: 'main', message: 'fixture', tables: writes })).id;
}
