// The dependency rules. The core (schema, config, domain types, interfaces, pure ML) imports nothing from adapters, the
// CLI or servers, and no infrastructure library. Use cases (ingest … pipeline, drift, fingerprint) never reach up into the CLI, the API or the dashboard. Test
// support stays with tests: product code never imports tests/ or a testing/ helper (npm does not ship them), and a
// folder's testing/ helpers serve that folder only (src/testing/ serves all of src). The engine adapters are the only
// importers of DuckDB and onnxruntime.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '..');

/** Packages the core may use: pure libraries with no I/O to infrastructure. */
const CORE_PACKAGES = new Set(['zod', 'yaml', 'onnx-proto', 'protobufjs', 'protobufjs/minimal.js', 'long']);
/** Folders that carry out the use cases; they are driven by the presentation folders, never the other way round. */
const USE_CASES = ['ingest', 'lake', 'transform', 'features', 'train', 'score', 'pipeline', 'drift', 'fingerprint'];
const PRESENTATION = ['cli', 'serve', 'dashboard'];
/** Infrastructure only src/engine/<adapter>/ may load. */
const ENGINE_PACKAGES = [/^@duckdb\//, /^onnxruntime-node(\/|$)/];

/** A source file (path relative to the repository, with '/') and what it imports: repository paths for relative imports, else package names. */
interface Source {
  path: string;
  imports: string[];
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return /\.(ts|tsx|mts|mjs|js)$/.test(name) ? [path] : [];
  });
}

function importsIn(text: string): string[] {
  const specs = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g),
    ...text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g),
    ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g),
  ];
  return specs.map((m) => m[1]!);
}

const posix = (p: string) => p.split(sep).join('/');

function sources(...dirs: string[]): Source[] {
  return dirs.flatMap((d) => walk(join(root, d))).map((file) => ({
    path: posix(relative(root, file)),
    imports: importsIn(readFileSync(file, 'utf8')).map((spec) => (spec.startsWith('.') ? posix(relative(root, resolve(dirname(file), spec))) : spec)),
  }));
}

const isTest = (path: string) => /\.test\.tsx?$/.test(path) || path.startsWith('tests/');
/** Test support: a testing/ folder or a testing.ts module. */
const isTestSupport = (path: string) => /(^|\/)testing(\/|\.ts$)/.test(path);
/** Relative imports were resolved to repository paths, which start with a top-level entry of the repository. */
const TOP_LEVEL = new Set(readdirSync(root));
const isPackage = (spec: string) => !TOP_LEVEL.has(spec.split('/')[0]!);
const areaOf = (path: string) => /^src\/([^/]+)\//.exec(path)?.[1];

export function coreViolations(files: readonly Source[]): string[] {
  const out: string[] = [];
  for (const f of files.filter((x) => x.path.startsWith('src/core/') && !isTest(x.path))) {
    for (const spec of f.imports) {
      if (spec.startsWith('node:')) continue;
      if (isPackage(spec)) {
        if (!CORE_PACKAGES.has(spec)) out.push(`${f.path} imports package '${spec}' (not allowed in the core)`);
      } else if (!spec.startsWith('src/core/')) out.push(`${f.path} imports ${spec} (outside src/core)`);
    }
  }
  return out;
}

export function useCaseViolations(files: readonly Source[]): string[] {
  const out: string[] = [];
  for (const f of files.filter((x) => USE_CASES.includes(areaOf(x.path) ?? '') && !isTest(x.path))) {
    for (const spec of f.imports) {
      const to = areaOf(spec);
      if (to && PRESENTATION.includes(to)) out.push(`${f.path} imports ${spec} (use cases never import src/${to})`);
    }
  }
  return out;
}

export function testSupportViolations(files: readonly Source[]): string[] {
  const out: string[] = [];
  for (const f of files.filter((x) => x.path.startsWith('src/') && !isTest(x.path))) {
    for (const spec of f.imports) {
      if (spec.startsWith('tests/')) out.push(`${f.path} imports ${spec} (tests/ is for tests)`);
      else if (spec.startsWith('src/') && isTestSupport(spec)) {
        if (!isTestSupport(f.path)) out.push(`${f.path} imports ${spec} (product code never imports test support)`);
        else {
          // The helper's owner: the folder holding its testing/ folder (or testing.ts); only files under it may use it.
          const owner = spec.replace(/\/testing(\/.*|\.ts)$/, '');
          if (!f.path.startsWith(`${owner}/`)) out.push(`${f.path} imports ${spec} (another folder's test support)`);
        }
      }
    }
  }
  return out;
}

export function engineViolations(files: readonly Source[]): string[] {
  const out: string[] = [];
  for (const f of files.filter((x) => !x.path.startsWith('src/engine/'))) {
    for (const spec of f.imports) if (ENGINE_PACKAGES.some((p) => p.test(spec))) out.push(`${f.path} imports '${spec}' (only src/engine/* adapters may)`);
  }
  return out;
}

const all = sources('src', 'tests', 'bench', 'scripts');

test('core imports only core files, node built-ins and pure libraries', () => {
  assert.ok(all.filter((f) => f.path.startsWith('src/core/')).length > 5, 'expected the core to have source files');
  assert.deepEqual(coreViolations(all), []);
});

test('use-case folders never import the CLI, the scoring API or the dashboard', () => {
  assert.deepEqual(useCaseViolations(all), []);
});

test('no product file imports tests/ or test support, and testing/ helpers serve their own folder', () => {
  assert.deepEqual(testSupportViolations(all), []);
});

test('only the engine adapters (src/engine/*) import @duckdb/* and onnxruntime-node', () => {
  assert.deepEqual(engineViolations(all), []);
});

test('the import scanner reads static, re-export, side-effect and dynamic imports', () => {
  const fake = "import { x } from '../../lake/open.ts';\nimport { S3Client } from '@aws-sdk/client-s3';\nexport { y } from './y.ts';\nimport 'tsx';\nconst m = await import('duckdb');";
  assert.deepEqual(importsIn(fake).sort(), ['../../lake/open.ts', './y.ts', '@aws-sdk/client-s3', 'duckdb', 'tsx'].sort());
});

test('each rule catches a planted violation and lets the allowed case through', () => {
  const f = (path: string, ...imports: string[]): Source => ({ path, imports });
  assert.equal(coreViolations([f('src/core/a.ts', 'src/lake/open.ts', '@aws-sdk/client-s3', 'zod', 'node:fs', 'src/core/b.ts')]).length, 2);
  assert.equal(useCaseViolations([f('src/pipeline/x.ts', 'src/cli/table.ts'), f('src/train/x.ts', 'src/dashboard/types.ts'), f('src/cli/y.ts', 'src/pipeline/run.ts'), f('src/score/z.test.ts', 'src/serve/testing/harness.ts')]).length, 2);
  const support = testSupportViolations([
    f('src/lake/testing/moto.ts', 'tests/support/until.ts'), // tests/
    f('src/lake/open.ts', 'src/lake/testing/store-spec.ts'), // product code using test support
    f('src/features/testing/a.ts', 'src/lake/testing/moto.ts'), // another folder's testing/
    f('src/lake/testing/gc.ts', 'src/lake/testing/contract.ts', 'src/testing/until.ts'), // allowed
    f('src/lake/gc.test.ts', 'src/lake/testing/moto.ts', 'tests/support/cli.ts'), // tests may
  ]);
  assert.equal(support.length, 3, support.join('\n'));
  assert.equal(engineViolations([f('src/score/reader.ts', '@duckdb/node-bindings'), f('src/serve/x.ts', 'onnxruntime-node'), f('src/engine/duckdb/c.ts', '@duckdb/node-api'), f('src/a.ts', 'onnxruntime-web')]).length, 2);
});
