// The dependency rule: the core (schema, config, domain types, interfaces, pure ML) imports nothing from
// adapters, the CLI or servers, and no infrastructure library. Adapters depend on the core, never back.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '..');
const core = join(root, 'src/core');

/** Packages the core may use: pure libraries with no I/O to infrastructure. */
const CORE_PACKAGES = new Set(['zod', 'yaml', 'onnx-proto', 'protobufjs', 'protobufjs/minimal.js', 'long']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function importsIn(text: string): string[] {
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)];
  return specs.map((m) => m[1]!);
}

test('core imports only core files, node built-ins and pure libraries', () => {
  const files = sourceFiles(core);
  assert.ok(files.length > 5, 'expected the core to have source files');
  const violations: string[] = [];
  for (const file of files) {
    for (const spec of importsIn(readFileSync(file, 'utf8'))) {
      const where = relative(root, file);
      if (spec.startsWith('node:')) continue;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (!target.startsWith(core + '/')) violations.push(`${where} imports ${spec} (outside src/core)`);
      } else if (!CORE_PACKAGES.has(spec)) {
        violations.push(`${where} imports package '${spec}' (not allowed in the core)`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('the rule catches a violation (self-check of the import scanner)', () => {
  const fake = "import { x } from '../../lake/open.ts';\nimport { S3Client } from '@aws-sdk/client-s3';\nconst m = await import('duckdb');";
  assert.deepEqual(importsIn(fake), ['../../lake/open.ts', '@aws-sdk/client-s3', 'duckdb']);
});
