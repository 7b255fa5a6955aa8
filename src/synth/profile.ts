/**
 * @module Fits a synthetic-data profile from real KronoDroid rows: per class, each count column's
 * sparsity (share of zeros) and the quantiles of its non-zero values, plus label balance, months,
 * families and categories. Only marginal distributions are kept (no cross-column correlation), which
 * is what scale tests and benchmarks need; say so wherever the data is shown.
 */
import { COUNT_COLUMNS, lakeName } from '../core/kronodroid/schema.ts';
import { type DuckDBConnection, ident, queryRows } from '../engine/duckdb/connection.ts';

/** Quantile levels of the non-zero values: enough points to keep heavy tails. */
export const QUANTILE_LEVELS = [0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1];

export interface ColumnProfile {
  zero_fraction: number;
  /** Values at QUANTILE_LEVELS among non-zero values; empty when the column is always zero. */
  quantiles: number[];
}

export interface ClassProfile {
  rows: number;
  columns: Record<string, ColumnProfile>;
  months: [string, number][];
  families: [string, number][];
  categories: [string, number][];
}

export interface SynthProfile {
  source: string;
  malware_fraction: number;
  classes: { benign: ClassProfile; malware: ClassProfile };
}

/**
 * `relation` is a SQL relation over normalised or raw KronoDroid rows (a read_csv/read_parquet call or a
 * table name). Months come from `year_month`, or the month of `Highest-date`/`HighestModDate`/`LastModDate`.
 */
export async function fitProfile(conn: DuckDBConnection, relation: string, source: string): Promise<SynthProfile> {
  const described = (await queryRows<{ column_name: string }>(conn, `DESCRIBE SELECT * FROM ${relation}`)).map((r) => r.column_name);
  const present = new Set(described);
  // lake name → the name this relation uses for it (REBOOT_PERMISSION may be REBOOT or REBOOT_1 here)
  const sourceName = new Map(described.map((c) => [lakeName(c), c]));
  const columns = COUNT_COLUMNS.filter((c) => sourceName.has(c));
  const monthExpr = ['year_month', 'Highest-date', 'HighestModDate', 'LastModDate'].find((c) => present.has(c));
  const month = monthExpr ? `strftime(try_cast(${ident(monthExpr)} AS DATE), '%Y-%m-01')` : 'NULL';
  const classes = {} as SynthProfile['classes'];
  let total = 0;
  for (const [name, label] of [['benign', 0], ['malware', 1]] as const) {
    const where = `WHERE try_cast("Malware" AS INTEGER) = ${label}`;
    const aggregates = columns.map((c, i) => {
      const v = `try_cast(${ident(sourceName.get(c)!)} AS DOUBLE)`;
      return `avg(CASE WHEN ${v} = 0 THEN 1.0 ELSE 0.0 END) AS z${i}, quantile_cont(${v}, [${QUANTILE_LEVELS.join(',')}]) FILTER (WHERE ${v} > 0) AS q${i}`;
    });
    const [stats] = await queryRows<Record<string, unknown>>(conn, `SELECT count(*) AS n, ${aggregates.join(', ')} FROM ${relation} ${where}`);
    const profile: ClassProfile = { rows: Number(stats!.n), columns: {}, months: [], families: [], categories: [] };
    columns.forEach((c, i) => {
      profile.columns[c] = { zero_fraction: Number(stats![`z${i}`] ?? 1), quantiles: ((stats![`q${i}`] as number[] | null) ?? []).map(Number) };
    });
    profile.months = await distribution(conn, `SELECT ${month} AS v, count(*) AS n FROM ${relation} ${where} GROUP BY 1`);
    if (present.has('MalFamily')) profile.families = await distribution(conn, `SELECT "MalFamily" AS v, count(*) AS n FROM ${relation} ${where} GROUP BY 1`);
    if (present.has('Categories')) profile.categories = await distribution(conn, `SELECT "Categories" AS v, count(*) AS n FROM ${relation} ${where} GROUP BY 1`);
    classes[name] = profile;
    total += profile.rows;
  }
  return { source, malware_fraction: total === 0 ? 0 : classes.malware.rows / total, classes };
}

async function distribution(conn: DuckDBConnection, sql: string): Promise<[string, number][]> {
  const rows = await queryRows<{ v: string | null; n: number }>(conn, `${sql} ORDER BY 2 DESC, 1`);
  return rows.map((r) => [r.v ?? '', Number(r.n)]);
}
