// Offline retrieval: a point-in-time correct training set. For each entity row (sha256, event_timestamp)
// and each view, DuckDB's ASOF LEFT JOIN picks the latest feature row at or before the entity's time;
// a value older than the view's TTL becomes NULL. One output row per entity row, in input order.
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { DfpError, messageOf } from '../../core/errors.ts';
import { fullFeatureName } from '../../core/features/registry-spec.ts';
import type { FrozenRegistry } from '../../core/features/types.ts';
import type { VersionedLake } from '../../core/lake/types.ts';
import { type EngineOptions, ident, literal, openDuckDb, queryRows } from '../../engine/duckdb/connection.ts';
import type { Selection } from '../registry/select.ts';

export const ENTITY_TIMESTAMP = 'event_timestamp';

export interface DatasetRequest {
  lake: VersionedLake;
  ref: string;
  registry: FrozenRegistry;
  selection: Selection;
  /** CSV or Parquet with the join key and event_timestamp (other columns, e.g. a label, are kept). */
  entities: string;
  out: string;
  engine?: EngineOptions;
}

export interface DatasetResult {
  out: string;
  rows: number;
  /** Feature columns, named `<view>__<feature>`. */
  feature_columns: string[];
  /** Entity rows that got no value from a view (no row at or before their time, or too old). */
  unmatched: Record<string, number>;
  lake_commit: string;
}

function readerFor(file: string): string {
  const ext = extname(file).toLowerCase();
  if (ext === '.parquet' || ext === '.pq') return `read_parquet(${literal(file)})`;
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return `read_csv(${literal(file)}, header = true, auto_detect = true)`;
  throw new DfpError('USAGE', `--entities ${file}: expected a .csv or .parquet file`, { file });
}

export async function buildDataset(req: DatasetRequest): Promise<DatasetResult> {
  const key = req.registry.entity.join_key;
  const commit = await req.lake.resolve(req.ref);
  const conn = await openDuckDb(req.engine);
  try {
    await conn.run(`SET TimeZone = 'UTC'`);
    try {
      await conn.run(`CREATE TEMP TABLE raw_entities AS SELECT * FROM ${readerFor(req.entities)}`);
    } catch (e) {
      throw new DfpError('INPUT_INVALID', `--entities ${req.entities} could not be read: ${messageOf(e)}`, { file: req.entities }, { cause: e });
    }
    const cols = (await queryRows<{ column_name: string }>(conn, `DESCRIBE raw_entities`)).map((c) => c.column_name);
    for (const need of [key, ENTITY_TIMESTAMP]) {
      if (!cols.includes(need)) {
        throw new DfpError('SCHEMA_MISMATCH', `--entities ${req.entities} has no column '${need}' (columns: ${cols.join(', ')}); it needs ${key} and ${ENTITY_TIMESTAMP}`, {
          file: req.entities,
          column: need,
        });
      }
    }
    const [bad] = await queryRows<{ n: number; example: string | null }>(
      conn,
      `SELECT count(*)::BIGINT AS n, any_value(CAST(${ident(ENTITY_TIMESTAMP)} AS VARCHAR)) AS example FROM raw_entities
       WHERE ${ident(key)} IS NULL OR TRY_CAST(${ident(ENTITY_TIMESTAMP)} AS TIMESTAMP) IS NULL`,
    );
    if (bad && bad.n > 0) {
      throw new DfpError('INPUT_INVALID', `--entities ${req.entities}: ${bad.n} row(s) lack a ${key} or have an unreadable ${ENTITY_TIMESTAMP} (e.g. '${bad.example ?? 'NULL'}')`, {
        file: req.entities,
      });
    }
    // Row numbers keep the caller's order; the cast makes CSV text and TIMESTAMPTZ compare alike.
    await conn.run(
      `CREATE TEMP TABLE entities AS SELECT * REPLACE (CAST(${ident(ENTITY_TIMESTAMP)} AS TIMESTAMP) AS ${ident(ENTITY_TIMESTAMP)}),
         row_number() OVER () AS __dfp_row, CAST(${ident(key)} AS VARCHAR) AS __dfp_key FROM raw_entities`,
    );

    const joins: string[] = [];
    const selects: string[] = [];
    const featureColumns: string[] = [];
    const matchCounts: string[] = [];
    for (const [i, group] of req.selection.byView.entries()) {
      const v = group.view;
      const alias = `v${i}`;
      const path = await req.lake.tablePath(commit.id, v.source);
      const inner = group.features.map((f) => `${ident(f)} AS ${ident(`f_${f}`)}`).join(', ');
      joins.push(
        `ASOF LEFT JOIN (SELECT CAST(${ident(key)} AS VARCHAR) AS __k, CAST(${ident(v.timestamp_field)} AS TIMESTAMP) AS __ts, ${inner}
           FROM read_parquet(${literal(path)})) ${alias}
         ON e.__dfp_key = ${alias}.__k AND e.${ident(ENTITY_TIMESTAMP)} >= ${alias}.__ts`,
      );
      const fresh = v.ttl_seconds > 0 ? `${alias}.__ts >= e.${ident(ENTITY_TIMESTAMP)} - to_seconds(${v.ttl_seconds})` : `${alias}.__ts IS NOT NULL`;
      for (const f of group.features) {
        const name = fullFeatureName({ view: v.name, feature: f });
        featureColumns.push(name);
        selects.push(`CASE WHEN ${fresh} THEN ${alias}.${ident(`f_${f}`)} END AS ${ident(name)}`);
      }
      matchCounts.push(`count(*) FILTER (WHERE NOT coalesce(${fresh}, false)) AS ${ident(v.name)}`);
    }
    const entityCols = cols.map((c) => `e.${ident(c)}`).join(', ');
    const from = `FROM entities e ${joins.join('\n')}`;
    const [unmatchedRow] = await queryRows<Record<string, number>>(conn, `SELECT ${matchCounts.join(', ') || '0 AS none'} ${from}`);

    mkdirSync(dirname(req.out), { recursive: true });
    const tmp = `${req.out}.tmp-${process.pid}`;
    try {
      await conn.run(
        `COPY (SELECT ${[entityCols, ...selects].join(', ')} ${from} ORDER BY e.__dfp_row) TO ${literal(tmp)} (FORMAT parquet)`,
      );
      renameSync(tmp, req.out);
    } finally {
      rmSync(tmp, { force: true });
    }
    const [count] = await queryRows<{ n: number }>(conn, `SELECT count(*)::BIGINT AS n FROM entities`);
    const unmatched: Record<string, number> = {};
    for (const g of req.selection.byView) unmatched[g.view.name] = Number(unmatchedRow?.[g.view.name] ?? 0);
    return { out: req.out, rows: count?.n ?? 0, feature_columns: featureColumns, unmatched, lake_commit: commit.id };
  } finally {
    conn.closeSync();
  }
}
