// Runs a transform project against the lake: reads sources at a ref, builds the selected models in
// dependency order in DuckDB (skipping those whose SQL and inputs are unchanged), runs the schema
// tests, and commits the new tables with the run record in one commit — or nothing if a test fails.
import { mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DfpError } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import { silentProgress } from '../core/progress.ts';
import type { Commit, TableWrite, VersionedLake } from '../core/lake/types.ts';
import { type DuckDBConnection, type EngineOptions, literal, openDuckDb, queryRows } from '../engine/duckdb/connection.ts';
import { canonicalJson, sha256File, sha256Hex } from '../lake/canonical.ts';
import { expandColumnMacro, quote } from './column-groups.ts';
import { selectModels, topoOrder } from './dag.ts';
import { type ModelDef, type Project, loadProject } from './project.ts';
import { type TestResult, runSchemaTests } from './schema-tests.ts';
import { modelSqlError } from './sql-errors.ts';
import { type ModelState, type TestCounts, type TransformState, previousState } from './state.ts';
import { expandModel } from './template.ts';

export interface TransformOptions {
  lake: VersionedLake;
  /** Folder holding models/ (e.g. analytics/kronodroid). */
  project: string;
  /** Branch the outputs are committed to. */
  branch: string;
  /** Where inputs are read; default the branch head. */
  ref?: string;
  select?: string[];
  engine?: EngineOptions;
  /** Scratch folder for the Parquet files being built; removed afterwards. */
  workDir: string;
  progress?: Progress;
  author?: string;
  /**
   * Lake tables that replace the ones sources.yml declares, by 'source.table' (e.g. 'kronodroid.raw' →
   * 'kronodroid_emulator'): how config picks the capture without editing the project. Keys the project
   * does not declare are ignored, so a custom --project need not have them.
   */
  sourceTables?: Record<string, string>;
  /** What to tell the user when a source table is not at the ref (default: load it with `dfp ingest`). */
  loadHint?: (missing: string, present: readonly string[]) => string;
}

export interface ModelReport {
  status: 'built' | 'cached';
  materialized: 'table' | 'view';
  file: string;
  rows: number;
  tests: TestCounts;
  seconds: number;
  sql_hash: string;
}

export interface TransformResult {
  /** Branch head after the run (unchanged when nothing was built). */
  commit: string;
  unchanged: boolean;
  branch: string;
  /** The commit inputs were read from. */
  read_from: string;
  /** Each source the run's models read ('source.table') → the lake table it resolved to. */
  sources: Record<string, string>;
  models: Record<string, ModelReport>;
  tests: TestResult[];
}

/** The model's SQL with macros expanded: refs and sources become lake table names. */
export function expandSql(project: Project, model: ModelDef): string {
  return expandModel(model.text, model.parsed.calls, (call) => {
    const at = `${model.file}:${call.line}`;
    if (call.name === 'ref') return quote(call.args[0] as string);
    if (call.name === 'source') {
      const s = project.sources.find((d) => d.source === call.args[0] && d.table === call.args[1]);
      return quote(s?.lakeTable ?? '');
    }
    if (call.name === 'config') return '';
    const cols = expandColumnMacro(call, project.groups, at);
    if (cols === undefined) throw new DfpError('INPUT_INVALID', `${at}: unknown macro ${call.name}(); known: ref, source, config, columns, sum, count_nonzero`);
    return cols;
  }).replace(/[\s;]+$/, '');
}

/** The project with the caller's source-table overrides applied (same sources, other lake tables). */
function withSourceTables(project: Project, overrides: Record<string, string>): Project {
  if (Object.keys(overrides).length === 0) return project;
  const sources = project.sources.map((d) => {
    const table = overrides[`${d.source}.${d.table}`];
    return table === undefined ? d : { ...d, lakeTable: table };
  });
  for (const m of project.models.values()) {
    const clash = sources.find((s) => s.lakeTable === m.name);
    if (clash) throw new DfpError('INPUT_INVALID', `source ${clash.source}.${clash.table} cannot read lake table '${m.name}': a model of the project writes it`, { table: m.name });
  }
  return { ...project, sources };
}

const zeroTests = (): TestCounts => ({ passed: 0, failed: 0, warned: 0 });

function countTests(results: TestResult[]): TestCounts {
  const c = zeroTests();
  for (const r of results) {
    if (r.status === 'pass') c.passed++;
    else if (r.status === 'fail') c.failed++;
    else c.warned++;
  }
  return c;
}

async function registerParquet(conn: DuckDBConnection, name: string, file: string): Promise<void> {
  await conn.run(`CREATE OR REPLACE VIEW ${quote(name)} AS SELECT * FROM read_parquet(${literal(file)})`);
}

export async function runTransform(opts: TransformOptions): Promise<TransformResult> {
  const { lake, branch } = opts;
  const progress = opts.progress ?? silentProgress;
  const project = withSourceTables(loadProject(opts.project), opts.sourceTables ?? {});
  const deps = new Map([...project.models.values()].map((m) => [m.name, m.parsed.refs]));
  const order = topoOrder(deps);
  const selected = selectModels(deps, opts.select ?? []);
  const run = order.filter((m) => selected.has(m));

  const head = await lake.head(branch);
  if (head === null) throw new DfpError('NOT_FOUND', `branch '${branch}' does not exist; see \`dfp lake branches\``, { branch });
  const from: Commit = await lake.resolve(opts.ref ?? head);
  const headCommit = from.id === head ? from : await lake.resolve(head);
  const prev: TransformState | undefined = await previousState(lake, from);

  const workDir = join(opts.workDir, `transform-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(workDir, { recursive: true });
  const conn = await openDuckDb(opts.engine);
  try {
    // Inputs: declared sources and already-built model tables at the ref, as views named like the lake tables.
    for (const s of project.sources) {
      if (from.tables[s.lakeTable]) await registerParquet(conn, s.lakeTable, await lake.tablePath(from.id, s.lakeTable));
    }
    // Models outside this run stay readable (a relationships test may name one); cached ones are added when reached.
    for (const name of order) {
      if (!selected.has(name) && project.models.get(name)?.materialized === 'table' && from.tables[name]) {
        await registerParquet(conn, name, await lake.tablePath(from.id, name));
      }
    }

    const states: Record<string, ModelState> = {};
    const reports: Record<string, ModelReport> = {};
    const files: Record<string, string> = {};
    const readSources: Record<string, string> = {};
    progress.start('transform', run.length, 'models');
    for (const [i, name] of run.entries()) {
      const model = project.models.get(name) as ModelDef;
      const started = performance.now();
      const sql = expandSql(project, model);
      const sqlHash = sha256Hex(canonicalJson({ sql, materialized: model.materialized, key: model.key ?? null }));
      const inputs: Record<string, string> = {};
      for (const s of model.parsed.sources) {
        const lakeTable = project.sources.find((d) => d.source === s.source && d.table === s.table)?.lakeTable as string;
        const entry = from.tables[lakeTable];
        if (!entry) {
          const hint = opts.loadHint?.(lakeTable, Object.keys(from.tables).sort()) ?? 'load it first, e.g. `dfp ingest`';
          throw new DfpError('NOT_FOUND', `${model.file}: source ${s.source}.${s.table} is lake table '${lakeTable}', which is not at ${opts.ref ?? branch} (${from.id.slice(0, 12)}); ${hint}`, {
            model: name,
            source: `${s.source}.${s.table}`,
            table: lakeTable,
          });
        }
        // The table name is part of the key (and of the expanded SQL): switching capture rebuilds.
        inputs[lakeTable] = entry.content_hash;
        readSources[`${s.source}.${s.table}`] = lakeTable;
      }
      for (const r of model.parsed.refs) inputs[r] = (states[r] as ModelState).fingerprint;

      const last = prev?.models[name];
      const cached =
        last !== undefined &&
        last.sql_hash === sqlHash &&
        last.materialized === model.materialized &&
        canonicalJson(last.inputs) === canonicalJson(inputs) &&
        (model.materialized === 'view' || from.tables[name]?.content_hash === last.fingerprint);

      let rows: number;
      let fingerprint: string;
      if (cached) {
        rows = last.rows;
        fingerprint = last.fingerprint;
        if (model.materialized === 'view') await conn.run(`CREATE OR REPLACE VIEW ${quote(name)} AS ${sql}`);
        else await registerParquet(conn, name, await lake.tablePath(from.id, name));
      } else if (model.materialized === 'view') {
        try {
          await conn.run(`CREATE OR REPLACE VIEW ${quote(name)} AS ${sql}`);
          rows = Number((await queryRows<{ n: number }>(conn, `SELECT COUNT(*) AS n FROM ${quote(name)}`))[0]?.n ?? 0);
        } catch (e) {
          throw modelSqlError(name, model.file, model.text, e);
        }
        fingerprint = sha256Hex(canonicalJson({ sql_hash: sqlHash, inputs }));
      } else {
        const file = join(workDir, `${name}.parquet`);
        // A key orders the rows, so equal data gives equal bytes (and an equal content hash) on every run.
        const body = model.key ? `SELECT * FROM (${sql}\n) AS model_output ORDER BY ${quote(model.key)}` : `${sql}\n`;
        try {
          const [res] = await queryRows<{ Count: number }>(conn, `COPY (${body}) TO ${literal(file)} (FORMAT PARQUET, COMPRESSION ZSTD)`);
          rows = Number(res?.Count ?? 0);
        } catch (e) {
          throw modelSqlError(name, model.file, model.text, e);
        }
        if (model.key && !(await queryRows<{ column_name: string }>(conn, `DESCRIBE SELECT * FROM read_parquet(${literal(file)})`)).some((c) => c.column_name === model.key)) {
          throw new DfpError('INPUT_INVALID', `${model.file}: config key='${model.key}' is not a column of the model's output`, { model: name });
        }
        await registerParquet(conn, name, file);
        files[name] = file;
        fingerprint = await sha256File(file);
      }
      states[name] = {
        materialized: model.materialized,
        file: model.file,
        sql_hash: sqlHash,
        tests_hash: sha256Hex(canonicalJson(model.tests)),
        inputs,
        fingerprint,
        rows,
        tests: zeroTests(),
        built_from: cached ? last.built_from : from.id,
        ...(model.materialized === 'view' ? { sql } : {}),
      };
      reports[name] = {
        status: cached ? 'cached' : 'built',
        materialized: model.materialized,
        file: model.file,
        rows,
        tests: zeroTests(),
        seconds: (performance.now() - started) / 1000,
        sql_hash: sqlHash,
      };
      progress.update(i + 1);
    }
    progress.stop();

    // Tests: a cached model with unchanged tests keeps its recorded results; everything else is tested now.
    const results: TestResult[] = [];
    for (const name of run) {
      const state = states[name] as ModelState;
      const last = prev?.models[name];
      const report = reports[name] as ModelReport;
      const started = performance.now();
      if (report.status === 'cached' && last?.tests_hash === state.tests_hash) {
        state.tests = last.tests;
      } else {
        const mine = await runSchemaTests(conn, (project.models.get(name) as ModelDef).tests, quote, (s, t) =>
          quote(project.sources.find((d) => d.source === s && d.table === t)?.lakeTable ?? `${s}.${t}`),
        );
        results.push(...mine);
        state.tests = countTests(mine);
      }
      report.tests = state.tests;
      report.seconds += (performance.now() - started) / 1000;
    }
    const failures = results.filter((r) => r.status === 'fail');
    if (failures.length > 0) {
      const lines = failures.map((f) => `${f.model}${f.column ? `.${f.column}` : ''} ${f.test}: ${f.offending} offending (${f.message})`);
      throw new DfpError('INPUT_INVALID', `${failures.length} schema test${failures.length > 1 ? 's' : ''} failed, nothing committed:\n  ${lines.join('\n  ')}`, {
        failures,
        models: reports,
      });
    }

    // What changes on the branch: built tables; dropped tables for view models; when reading at another
    // ref, cached tables that differ from the branch's.
    const tables: Record<string, TableWrite> = {};
    for (const name of run) {
      const model = project.models.get(name) as ModelDef;
      const key = model.key ? { key: model.key } : {};
      if (model.materialized === 'view') {
        if (headCommit.tables[name]) tables[name] = null;
      } else if (files[name]) tables[name] = { file: files[name], ...key };
      else if (headCommit.tables[name]?.content_hash !== states[name]?.fingerprint) tables[name] = { file: await lake.tablePath(from.id, name), ...key };
    }
    const built = run.filter((m) => reports[m]?.status === 'built');
    let commit = head;
    let unchanged = true;
    if (Object.keys(tables).length > 0) {
      const kept = Object.fromEntries(Object.entries(prev?.models ?? {}).filter(([m]) => project.models.has(m)));
      const record: TransformState = { project: basename(opts.project), models: { ...kept, ...states } };
      const cachedNames = run.filter((m) => reports[m]?.status === 'cached');
      const result = await lake.commit({
        branch,
        message: `transform: built ${built.join(', ') || 'nothing'}${cachedNames.length ? `; cached ${cachedNames.join(', ')}` : ''}`,
        tables,
        metadata: { transform: record, read_from: from.id },
        expectedHead: head,
        ...(opts.author ? { author: opts.author } : {}),
      });
      commit = result.id;
      unchanged = result.unchanged;
    }
    return { commit, unchanged, branch, read_from: from.id, sources: readSources, models: reports, tests: results };
  } finally {
    progress.stop();
    conn.closeSync();
    rmSync(workDir, { recursive: true, force: true });
  }
}
