// Schema tests from schema.yml turned into SQL that counts offending rows, run after the models build.
// A test passes when the count is 0; `severity: warn` reports the count without failing the run.
import { DfpError, messageOf } from '../core/errors.ts';
import { type DuckDBConnection, queryRows } from '../engine/duckdb/connection.ts';
import { quote } from './column-groups.ts';
import type { TestDef } from './project.ts';

export interface TestResult {
  model: string;
  column?: string;
  test: string;
  status: 'pass' | 'fail' | 'warn';
  /** Rows that break the test (row_count: the table's rows; excluded_columns: forbidden columns present). */
  offending: number;
  message: string;
}

const sqlValue = (v: unknown) => (typeof v === 'number' ? String(v) : `'${String(v).replaceAll("'", "''")}'`);

/** Relation a test's `to:` / `equal_to:` names: a model, ref('model') or source('s', 't'). */
function target(spec: unknown, relation: (model: string) => string, source: (s: string, t: string) => string): string {
  const text = String(spec).trim();
  const src = /^source\(\s*'([^']+)'\s*,\s*'([^']+)'\s*\)$/.exec(text);
  if (src) return source(src[1] as string, src[2] as string);
  const ref = /^ref\(\s*'([^']+)'\s*\)$/.exec(text);
  return relation(ref ? (ref[1] as string) : text);
}

async function count(conn: DuckDBConnection, sql: string): Promise<number> {
  const [row] = await queryRows<{ n: number | null }>(conn, sql);
  return Number(row?.n ?? 0);
}

async function evaluate(
  conn: DuckDBConnection,
  t: TestDef,
  relation: (model: string) => string,
  source: (s: string, table: string) => string,
): Promise<{ offending: number; message: string }> {
  const rel = relation(t.model);
  const col = t.column === undefined ? '' : quote(t.column);
  switch (t.test) {
    case 'not_null': {
      const n = await count(conn, `SELECT COUNT(*) AS n FROM ${rel} WHERE ${col} IS NULL`);
      return { offending: n, message: `${n} rows where ${t.column} is NULL` };
    }
    case 'unique': {
      const n = await count(conn, `SELECT SUM(c) AS n FROM (SELECT COUNT(*) AS c FROM ${rel} WHERE ${col} IS NOT NULL GROUP BY ${col} HAVING COUNT(*) > 1) AS d`);
      return { offending: n, message: `${n} rows share a ${t.column} value with another row` };
    }
    case 'accepted_values': {
      const values = t.args.values as unknown[];
      const numeric = values.every((v) => typeof v === 'number');
      const lhs = numeric ? col : `CAST(${col} AS VARCHAR)`;
      const n = await count(conn, `SELECT COUNT(*) AS n FROM ${rel} WHERE ${col} IS NOT NULL AND ${lhs} NOT IN (${values.map(sqlValue).join(', ')})`);
      return { offending: n, message: `${n} rows where ${t.column} is not one of ${values.map(String).join(', ')}` };
    }
    case 'relationships': {
      const to = target(t.args.to, relation, source);
      const n = await count(
        conn,
        `SELECT COUNT(*) AS n FROM ${rel} AS c WHERE c.${col} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${to} AS p WHERE p.${quote(String(t.args.field))} = c.${col})`,
      );
      return { offending: n, message: `${n} rows whose ${t.column} has no match in ${String(t.args.to)}.${String(t.args.field)}` };
    }
    case 'row_count': {
      const rows = await count(conn, `SELECT COUNT(*) AS n FROM ${rel}`);
      const problems: string[] = [];
      if (t.args.min !== undefined && rows < Number(t.args.min)) problems.push(`fewer than min ${Number(t.args.min)}`);
      if (t.args.max !== undefined && rows > Number(t.args.max)) problems.push(`more than max ${Number(t.args.max)}`);
      if (t.args.equal_to !== undefined) {
        const other = await count(conn, `SELECT COUNT(*) AS n FROM ${target(t.args.equal_to, relation, source)}`);
        if (other !== rows) problems.push(`not equal to ${String(t.args.equal_to)} (${other})`);
      }
      return { offending: problems.length ? rows : 0, message: problems.length ? `${rows} rows: ${problems.join(', ')}` : `${rows} rows` };
    }
    case 'excluded_columns': {
      const have = new Set((await queryRows<{ column_name: string }>(conn, `DESCRIBE SELECT * FROM ${rel}`)).map((r) => r.column_name.toLowerCase()));
      const present = (t.args.columns as unknown[]).map(String).filter((c) => have.has(c.toLowerCase()));
      return { offending: present.length, message: present.length ? `forbidden columns present: ${present.join(', ')}` : 'no forbidden column' };
    }
  }
}

/** Runs the tests in order; a test whose SQL cannot run (e.g. a misspelt column) is an error naming it. */
export async function runSchemaTests(
  conn: DuckDBConnection,
  tests: readonly TestDef[],
  relation: (model: string) => string,
  source: (s: string, table: string) => string,
): Promise<TestResult[]> {
  const out: TestResult[] = [];
  for (const t of tests) {
    let r: { offending: number; message: string };
    try {
      r = await evaluate(conn, t, relation, source);
    } catch (e) {
      if (e instanceof DfpError) throw e;
      throw new DfpError('INPUT_INVALID', `test ${t.test} on ${t.model}${t.column ? `.${t.column}` : ''} could not run: ${messageOf(e).split('\n')[0]}`, {
        model: t.model,
        column: t.column,
        test: t.test,
      });
    }
    const status = r.offending === 0 ? 'pass' : t.severity === 'warn' ? 'warn' : 'fail';
    out.push({ model: t.model, ...(t.column ? { column: t.column } : {}), test: t.test, status, offending: r.offending, message: r.message });
  }
  return out;
}
