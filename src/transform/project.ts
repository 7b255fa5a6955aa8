// Loads a transform project: the .sql models under <root>/models (any depth) and the YAML beside them
// (sources → lake tables, schema tests, column groups), validated so a typo fails before any SQL runs.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { DfpError } from '../core/errors.ts';
import { resolveGroups } from './column-groups.ts';
import { type ParsedModel, parseModel } from './template.ts';

export type Severity = 'error' | 'warn';

/** One schema test from schema.yml, on a column or on the whole model. */
export interface TestDef {
  model: string;
  column?: string;
  test: 'not_null' | 'unique' | 'accepted_values' | 'relationships' | 'row_count' | 'excluded_columns';
  severity: Severity;
  args: Record<string, unknown>;
}

export interface ModelDef {
  name: string;
  /** Path relative to the project root's parent, as errors show it (e.g. kronodroid/models/x.sql). */
  file: string;
  path: string;
  text: string;
  parsed: ParsedModel;
  materialized: 'table' | 'view';
  /** Row key: recorded on the lake table (row-level diffs) and used to order its rows deterministically. */
  key?: string;
  tests: TestDef[];
}

export interface SourceDef {
  source: string;
  table: string;
  lakeTable: string;
}

export interface Project {
  root: string;
  models: Map<string, ModelDef>;
  sources: SourceDef[];
  groups: Record<string, readonly string[]>;
}

const TEST_NAMES = ['not_null', 'unique', 'accepted_values', 'relationships', 'row_count', 'excluded_columns'] as const;
const testSpec = z.union([z.string(), z.record(z.string(), z.record(z.string(), z.unknown()).nullable())]);
const yamlFile = z
  .object({
    version: z.number().optional(),
    sources: z
      .array(
        z.object({
          name: z.string(),
          description: z.string().optional(),
          tables: z.array(z.object({ name: z.string(), table: z.string().optional(), description: z.string().optional() }).strict()),
        }).strict(),
      )
      .optional(),
    models: z
      .array(
        z.object({
          name: z.string(),
          description: z.string().optional(),
          tests: z.array(testSpec).optional(),
          columns: z.array(z.object({ name: z.string(), description: z.string().optional(), tests: z.array(testSpec).optional() }).strict()).optional(),
        }).strict(),
      )
      .optional(),
    column_groups: z.record(z.string(), z.array(z.string())).optional(),
  })
  .strict();

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

function toTest(spec: z.infer<typeof testSpec>, model: string, column: string | undefined, where: string): TestDef {
  const [name, raw] = typeof spec === 'string' ? [spec, {}] : (Object.entries(spec)[0] ?? ['', {}]);
  if (typeof spec !== 'string' && Object.keys(spec).length !== 1) throw new DfpError('INPUT_INVALID', `${where}: a test is one name, optionally with arguments, e.g. 'unique' or {accepted_values: {values: [0, 1]}}`);
  if (!(TEST_NAMES as readonly string[]).includes(name)) {
    throw new DfpError('INPUT_INVALID', `${where}: unknown test '${name}' on ${model}${column ? `.${column}` : ''}; known: ${TEST_NAMES.join(', ')}`);
  }
  const args = { ...(raw ?? {}) };
  const severity = args.severity ?? 'error';
  delete args.severity;
  if (severity !== 'error' && severity !== 'warn') throw new DfpError('INPUT_INVALID', `${where}: severity must be error or warn, got '${String(severity)}'`);
  const test = name as TestDef['test'];
  const columnLevel = !['row_count', 'excluded_columns'].includes(test);
  if (columnLevel && !column) throw new DfpError('INPUT_INVALID', `${where}: test '${test}' belongs under a column of ${model}`);
  if (!columnLevel && column) throw new DfpError('INPUT_INVALID', `${where}: test '${test}' is a model test; put it under ${model}'s tests, not a column's`);
  if (test === 'accepted_values' && !Array.isArray(args.values)) throw new DfpError('INPUT_INVALID', `${where}: accepted_values on ${model}.${column} needs values: [...]`);
  if (test === 'relationships' && (typeof args.to !== 'string' || typeof args.field !== 'string')) {
    throw new DfpError('INPUT_INVALID', `${where}: relationships on ${model}.${column} needs to: <model> and field: <column>`);
  }
  if (test === 'excluded_columns' && !Array.isArray(args.columns)) throw new DfpError('INPUT_INVALID', `${where}: excluded_columns on ${model} needs columns: [...]`);
  return { model, ...(column ? { column } : {}), test, severity, args };
}

/** Reads and checks the project at `root` (the folder that holds models/). */
export function loadProject(root: string): Project {
  const modelsDir = join(root, 'models');
  let files: string[];
  try {
    files = walk(modelsDir);
  } catch {
    throw new DfpError('NOT_FOUND', `no transform project at ${root}: expected a models/ folder with .sql files`, { root });
  }
  const shown = (p: string) => relative(join(root, '..'), p);
  const models = new Map<string, ModelDef>();
  const sources: SourceDef[] = [];
  const customGroups: Record<string, string[]> = {};
  const tests: TestDef[] = [];

  for (const path of files.filter((f) => f.endsWith('.sql'))) {
    const name = basename(path, '.sql');
    const file = shown(path);
    const other = models.get(name);
    if (other) throw new DfpError('INPUT_INVALID', `two models are named '${name}': ${other.file} and ${file}; model names must be unique`);
    const text = readFileSync(path, 'utf8');
    const parsed = parseModel(text, file);
    const materialized = parsed.config.materialized ?? 'table';
    if (materialized !== 'table' && materialized !== 'view') {
      throw new DfpError('INPUT_INVALID', `${file}: materialized must be 'table' or 'view', got '${materialized}'`);
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new DfpError('INPUT_INVALID', `${file}: model names use letters, digits and '_' (they become lake table names)`);
    models.set(name, { name, file, path, text, parsed, materialized, ...(parsed.config.key ? { key: parsed.config.key } : {}), tests: [] });
  }
  if (models.size === 0) throw new DfpError('NOT_FOUND', `no .sql models under ${modelsDir}`, { root });

  for (const path of files.filter((f) => /\.ya?ml$/.test(f))) {
    const where = shown(path);
    let doc: z.infer<typeof yamlFile>;
    try {
      doc = yamlFile.parse(YAML.parse(readFileSync(path, 'utf8')) ?? {});
    } catch (e) {
      const detail = e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (e as Error).message;
      throw new DfpError('INPUT_INVALID', `${where} is not a valid models file: ${detail}`, { file: where });
    }
    for (const s of doc.sources ?? []) {
      for (const t of s.tables) sources.push({ source: s.name, table: t.name, lakeTable: t.table ?? t.name });
    }
    for (const m of doc.models ?? []) {
      if (!models.has(m.name)) throw new DfpError('INPUT_INVALID', `${where}: tests for model '${m.name}', which has no .sql file`);
      for (const spec of m.tests ?? []) tests.push(toTest(spec, m.name, undefined, where));
      for (const c of m.columns ?? []) for (const spec of c.tests ?? []) tests.push(toTest(spec, m.name, c.name, where));
    }
    Object.assign(customGroups, doc.column_groups ?? {});
  }
  for (const t of tests) models.get(t.model)?.tests.push(t);

  for (const m of models.values()) {
    for (const s of m.parsed.sources) {
      if (!sources.some((d) => d.source === s.source && d.table === s.table)) {
        throw new DfpError('INPUT_INVALID', `${m.file}: source('${s.source}', '${s.table}') is not declared; add it under sources: in a .yml beside the models`);
      }
    }
    for (const r of m.parsed.refs) {
      if (!models.has(r)) throw new DfpError('INPUT_INVALID', `${m.file}: ref('${r}') names no model; models: ${[...models.keys()].join(', ')}`);
    }
    const clash = sources.find((s) => s.lakeTable === m.name);
    if (clash) throw new DfpError('INPUT_INVALID', `${m.file}: model '${m.name}' has the name of source table ${clash.source}.${clash.table}; rename one`);
  }
  return { root, models, sources, groups: resolveGroups(customGroups, shown(modelsDir)) };
}
