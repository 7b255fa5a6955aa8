/**
 * @module Key checks and the upsert. Across all files bound for one table: a sha256 with conflicting
 * labels (in the input, or against the lake) is quarantined in every input row; a repeat with the same
 * label keeps its first occurrence. Then the table is merged by sha256 — new rows added, changed rows
 * replaced, identical rows left as they are (lineage included). A first load keeps file order (sorting
 * ~500 columns costs more than the whole validation); a merge is written sorted by sha256; a merge that
 * changes nothing keeps the lake's own file, so re-ingesting the same data is free and byte-identical.
 */
import { KEY_COLUMN, LABEL_COLUMN, LINEAGE_COLUMNS, NORMALISED_COLUMNS } from '../core/kronodroid/schema.ts';
import { type DuckDBConnection, ident, literal, queryRows } from '../engine/duckdb/connection.ts';
import type { IngestPass } from './pass.ts';
import { reasonSql } from './reasons.ts';
import { normalisedSelect } from './sql.ts';
import { type StagedFile, stagedFrom } from './stage.ts';

export interface KeyProblems {
  /** The pass's `dropped` table of this lake table: `(file_index, rid, "column", reason, detail, sha256)`. */
  table: string;
  /** Dropped rows per file index (files without any are absent). */
  counts: Map<number, number>;
}

export async function findKeyProblems(pass: IngestPass, table: string, files: StagedFile[], existing: string | undefined): Promise<KeyProblems> {
  const { conn } = pass;
  const keys = pass.keys(table);
  const dropped = pass.dropped(table);
  const parts = files.map((f) => {
    const { from, rec } = stagedFrom(f);
    const sha = f.plan.byLake.get(KEY_COLUMN)!;
    const label = f.plan.byLake.get(LABEL_COLUMN)!;
    return `SELECT ${f.index} AS file_index, s.file_row_number AS rid, ${rec} AS rec, ${literal(f.file.name)} AS source,
      lower(trim(s.c${sha.index})) AS sha256, CAST(trim(s.c${label.index}) AS INTEGER) AS label
      FROM ${from} WHERE s._problem IS NULL`;
  });
  await conn.run(`CREATE TABLE ${keys} AS ${parts.join(' UNION ALL ')}`);
  const lake = existing
    ? `SELECT k.sha256, any_value(e.${ident(LABEL_COLUMN)}) AS lake_label FROM ${keys} k JOIN read_parquet(${literal(existing)}) e ON e.sha256 = k.sha256
         WHERE e.${ident(LABEL_COLUMN)} IS DISTINCT FROM k.label GROUP BY k.sha256`
    : 'SELECT CAST(NULL AS VARCHAR) AS sha256, CAST(NULL AS INTEGER) AS lake_label WHERE false';
  await conn.run(`CREATE TABLE ${dropped} AS
    WITH conflict AS (SELECT sha256 FROM ${keys} GROUP BY sha256 HAVING count(DISTINCT label) > 1),
    lake AS (${lake}),
    ranked AS (
      SELECT *, row_number() OVER w AS n, first_value(source) OVER w AS first_source, first_value(rec) OVER w AS first_rec
      FROM ${keys} WINDOW w AS (PARTITION BY sha256 ORDER BY file_index, rid))
    SELECT r.file_index, r.rid, r.sha256,
      CASE WHEN c.sha256 IS NOT NULL OR l.sha256 IS NOT NULL THEN ${literal(LABEL_COLUMN)} ELSE ${literal(KEY_COLUMN)} END AS "column",
      CASE WHEN c.sha256 IS NOT NULL OR l.sha256 IS NOT NULL THEN ${reasonSql('label_conflict')} ELSE ${reasonSql('duplicate')} END AS reason,
      CASE
        WHEN c.sha256 IS NOT NULL THEN 'sha256 ' || r.sha256 || ' has different labels in this input; all its rows are held back'
        WHEN l.sha256 IS NOT NULL THEN 'label ' || r.label || ' conflicts with label ' || l.lake_label || ' already in the lake for this sha256'
        ELSE 'same sha256 and label as ' || r.first_source || ' row ' || r.first_rec || ', which is loaded' END AS detail
    FROM ranked r LEFT JOIN conflict c ON c.sha256 = r.sha256 LEFT JOIN lake l ON l.sha256 = r.sha256
    WHERE c.sha256 IS NOT NULL OR l.sha256 IS NOT NULL OR r.n > 1`);
  const counts = await queryRows<{ f: number; n: number }>(conn, `SELECT file_index AS f, count(*) AS n FROM ${dropped} GROUP BY 1`);
  return { table: dropped, counts: new Map(counts.map((r) => [r.f, r.n])) };
}

/** The accepted rows of all files of a table, normalised (a SELECT, not materialised). */
export function incomingSql(files: StagedFile[], dropped: KeyProblems): string {
  return files
    .map((f) => {
      const { from } = stagedFrom(f);
      const keep = dropped.counts.get(f.index) ? ` AND s.file_row_number NOT IN (SELECT rid FROM ${dropped.table} WHERE file_index = ${f.index})` : '';
      return `SELECT ${normalisedSelect(f.plan, 's', f.file.name)} FROM ${from} WHERE s._problem IS NULL${keep}`;
    })
    .join(' UNION ALL ');
}

export interface MergeResult {
  /** Parquet holding the merged table: `out`, or the existing file when nothing changed. */
  file: string;
  rows: number;
  added: number;
  replaced: number;
  unchanged: number;
}

const ALL = NORMALISED_COLUMNS.map((c) => c.name);
const DATA = ALL.filter((n) => !(LINEAGE_COLUMNS as readonly string[]).includes(n));

/** Writes the merged table to the pass's file for it (Parquet, zstd, sorted by sha256). */
export async function mergeTable(pass: IngestPass, table: string, incoming: string, existing: string | undefined): Promise<MergeResult> {
  const { conn } = pass;
  const out = pass.tableFile(table);
  const [inc, ex, changed] = [pass.incoming(table), pass.existing(table), pass.changed(table)];
  const copy = (select: string) => conn.run(`COPY (${select}) TO ${literal(out)} (FORMAT parquet, COMPRESSION zstd)`);
  await conn.run(`CREATE VIEW ${inc} AS ${incoming}`);
  if (!existing) {
    await copy(`SELECT * FROM ${inc}`);
    const rows = await countRows(conn, out);
    return { file: out, rows, added: rows, replaced: 0, unchanged: 0 };
  }
  // An older table may lack columns added to the schema since: they read as NULL.
  const have = new Set((await queryRows<{ name: string }>(conn, `SELECT name FROM parquet_schema(${literal(existing)})`)).map((r) => r.name));
  const cols = NORMALISED_COLUMNS.map(({ name, type }) => (have.has(name) ? `CAST(${ident(name)} AS ${type}) AS ${ident(name)}` : `CAST(NULL AS ${type}) AS ${ident(name)}`));
  await conn.run(`CREATE VIEW ${ex} AS SELECT ${cols.join(', ')} FROM read_parquet(${literal(existing)})`);
  const data = DATA.map(ident).join(', ');
  // New or changed rows: whatever differs from the lake in any data column (lineage does not count).
  await conn.run(`CREATE TABLE ${changed} AS SELECT sha256 FROM (SELECT ${data} FROM ${inc} EXCEPT SELECT ${data} FROM ${ex})`);
  const [c] = await queryRows<{ changed: number; replaced: number; incoming: number }>(
    conn,
    `SELECT (SELECT count(*) FROM ${changed}) AS changed,
       (SELECT count(*) FROM ${changed} WHERE sha256 IN (SELECT sha256 FROM ${ex})) AS replaced,
       (SELECT count(*) FROM ${inc}) AS incoming`,
  );
  const nChanged = c?.changed ?? 0;
  const replaced = c?.replaced ?? 0;
  const unchanged = (c?.incoming ?? 0) - nChanged;
  if (nChanged === 0) return { file: existing, rows: await countRows(conn, existing), added: 0, replaced: 0, unchanged };
  await copy(`SELECT * FROM ${ex} WHERE sha256 NOT IN (SELECT sha256 FROM ${changed})
    UNION ALL SELECT * FROM ${inc} WHERE sha256 IN (SELECT sha256 FROM ${changed}) ORDER BY sha256`);
  return { file: out, rows: await countRows(conn, out), added: nChanged - replaced, replaced, unchanged };
}

export async function countRows(conn: DuckDBConnection, parquet: string): Promise<number> {
  const [r] = await queryRows<{ n: number }>(conn, `SELECT count(*) AS n FROM read_parquet(${literal(parquet)})`);
  return r?.n ?? 0;
}

export { ALL as NORMALISED_NAMES };
