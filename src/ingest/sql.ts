/**
 * @module SQL text for the per-row work, generated from a file's column plan so that every check and
 * conversion runs inside DuckDB (vectorised) rather than in a JS loop over 486 columns.
 */
import { DATE_FORMATS, DATE_SENTINEL, NORMALISED_COLUMNS } from '../core/kronodroid/schema.ts';
import { ident, literal } from '../engine/duckdb/connection.ts';
import type { ColumnPlan, FilePlan } from './plan.ts';
import { reasonOf, reasonSql } from './reasons.ts';

/** Staging column of a header position. */
export const col = (c: ColumnPlan): string => `c${c.index}`;

/** Largest value a count may hold: INTEGER's range, or 2^53-1 (exact in the DOUBLE it was read as). */
const maxFor = (c: ColumnPlan): string => (c.lakeType === 'INTEGER' ? '2147483647' : '9007199254740991');

/** `reason|header|value`: the first problem of a row, split apart when the quarantine is built. */
function problem(reasonSql: string, c: ColumnPlan, value: string): string {
  return `${reasonSql} || ${literal(`|${c.header}|`)} || coalesce(CAST(${value} AS VARCHAR), '')`;
}

const DATE_FORMAT_LIST = `[${DATE_FORMATS.map(literal).join(', ')}]`;

/** Parsed date of a VARCHAR field, NULL when empty or unparsable. */
function parseDate(field: string): string {
  return `CAST(try_strptime(NULLIF(trim(${field}), ''), ${DATE_FORMAT_LIST}) AS DATE)`;
}

/** The stored date: the 1980-01-01 sentinel ("unknown") becomes NULL. */
export function dateExpr(field: string): string {
  return `NULLIF(${parseDate(field)}, DATE ${literal(DATE_SENTINEL)})`;
}

/**
 * Whether a field is fine for its kind (SQL over the staging column `v`), or undefined for kinds nobody
 * checks. Which reason a field that is not fine gets comes from the reasons table (reasons.ts).
 */
function fieldOk(c: ColumnPlan, v: string, max: string, purpose: FilePlan['purpose']): string | undefined {
  switch (c.kind) {
    case 'label':
      return purpose === 'score' ? `(NULLIF(trim(${v}), '') IS NULL OR trim(${v}) IN ('0', '1'))` : `trim(${v}) IN ('0', '1')`;
    case 'key':
      return `trim(${v}) <> ''`;
    case 'count':
      return `(${v} >= 0 AND ${v} = trunc(${v}) AND ${v} <= ${max})`;
    case 'number':
      return `(${v} IS NULL OR (${v} = trunc(${v}) AND abs(${v}) <= ${max}))`;
    case 'ratio':
      return `(${v} IS NULL OR isfinite(${v}))`;
    case 'date':
      return `(NULLIF(trim(${v}), '') IS NULL OR ${parseDate(v)} IS NOT NULL)`;
    default:
      return undefined;
  }
}

/**
 * The first problem of a row as `reason|header|value`, NULL when the row is fine. A single AND over all
 * columns decides "fine" (cheap, vectorised); the CASE that names the problem runs only for bad rows —
 * a 1,400-branch CASE over every row would cost several times the whole CSV parse.
 */
export function problemExpr(plan: FilePlan): string {
  const whens: string[] = [];
  const oks: string[] = [];
  const countsByMax = new Map<string, string[]>();
  for (const c of plan.columns) {
    const v = col(c);
    const max = maxFor(c);
    const ok = fieldOk(c, v, max, plan.purpose);
    const reason = reasonOf(c.kind, { v, max, purpose: plan.purpose });
    if (!ok || !reason) continue;
    if (c.kind === 'count') {
      // Fast test, ~3× cheaper over 474 columns: v = trunc(abs(v)) fails for negatives, fractions and
      // NULL; the ceiling (NaN and ±inf compare above any number in DuckDB) is one greatest() per type.
      oks.push(`${v} = trunc(abs(${v}))`);
      (countsByMax.get(max) ?? countsByMax.set(max, []).get(max)!).push(v);
    } else {
      oks.push(ok);
    }
    whens.push(`WHEN ${ok} IS NOT TRUE THEN ${problem(reason, c, v)}`);
  }
  for (const [max, vs] of countsByMax) oks.push(`greatest(${vs.join(', ')}) <= ${max}`);
  if (!whens.length) return 'CAST(NULL AS VARCHAR)';
  return `CASE WHEN (${oks.join(' AND ')}) IS TRUE THEN NULL ELSE CASE ${whens.join(' ')} ELSE ${reasonSql('malformed')} || '||' END END`;
}

/** Reader options shared by every CSV read; `columns` fixes names and types, so nothing is sniffed. */
export function readCsvSql(path: string, gzip: boolean, plan: FilePlan, rejectsTable: string, rejectsScan: string): string {
  const columns = `{${plan.columns.map((c) => `${literal(col(c))}: ${literal(c.readType)}`).join(', ')}}`;
  return `read_csv(${literal(path)}, header = true, auto_detect = false, columns = ${columns}, delim = ',', quote = '"', escape = '"', `
    + `compression = ${literal(gzip ? 'gzip' : 'none')}, strict_mode = true, store_rejects = true, `
    + `rejects_table = ${literal(rejectsTable)}, rejects_scan = ${literal(rejectsScan)})`;
}

/**
 * A Parquet input seen through the same staging columns as a CSV file: numbers read as DOUBLE (a value
 * that is not a number is reported in `_pre` the way the CSV reader reports a cast error).
 */
export function readParquetSql(path: string, plan: FilePlan): string {
  const parts: string[] = [];
  const pre: string[] = [];
  for (const c of plan.columns) {
    const src = ident(c.header);
    if (c.readType === 'DOUBLE') {
      parts.push(`TRY_CAST(${src} AS DOUBLE) AS ${col(c)}`);
      pre.push(`WHEN ${src} IS NOT NULL AND TRY_CAST(${src} AS DOUBLE) IS NULL THEN ${problem(reasonSql('non_numeric'), c, src)}`);
    } else {
      parts.push(`CAST(${src} AS VARCHAR) AS ${col(c)}`);
    }
  }
  const preExpr = pre.length ? `CASE ${pre.join(' ')} END` : 'CAST(NULL AS VARCHAR)';
  return `(SELECT ${parts.join(', ')}, ${preExpr} AS _pre FROM read_parquet(${literal(path)}))`;
}

/** The row's values as a JSON object keyed by header names: the quarantine's "raw values". */
export function rawJsonExpr(plan: FilePlan, alias: string): string {
  // json_object takes at most a few hundred arguments comfortably; merge chunks to stay well inside.
  const pairs = plan.columns.map((c) => `${literal(c.header)}, ${alias}.${col(c)}`);
  const chunks: string[] = [];
  for (let i = 0; i < pairs.length; i += 100) chunks.push(`json_object(${pairs.slice(i, i + 100).join(', ')})`);
  return chunks.length === 1 ? chunks[0]! : `CAST(json_merge_patch(${chunks.join(', ')}) AS VARCHAR)`;
}

/** The normalised row: exactly NORMALISED_COLUMNS, typed, with lineage. */
export function normalisedSelect(plan: FilePlan, alias: string, source: string): string {
  const ws = `' ' || chr(9) || chr(10) || chr(13)`;
  return NORMALISED_COLUMNS.map(({ name, type }) => {
    if (name === '_layout') return `${literal(plan.layout)} AS _layout`;
    if (name === '_source') return `${literal(source)} AS _source`;
    const c = plan.byLake.get(name);
    if (!c) return `CAST(NULL AS ${type}) AS ${ident(name)}`;
    const v = `${alias}.${col(c)}`;
    switch (c.kind) {
      case 'key':
        return `lower(trim(${v})) AS ${ident(name)}`;
      case 'package':
        return `NULLIF(trim(${v}, ${ws}), '') AS ${ident(name)}`;
      case 'label':
        return `CAST(NULLIF(trim(${v}), '') AS INTEGER) AS ${ident(name)}`;
      case 'count':
      case 'number':
        return `CAST(${v} AS ${type}) AS ${ident(name)}`;
      case 'ratio':
        return `${v} AS ${ident(name)}`;
      case 'date':
        return `${dateExpr(v)} AS ${ident(name)}`;
      default:
        return `NULLIF(trim(${v}), '') AS ${ident(name)}`;
    }
  }).join(', ');
}
