// Tests of the schema tests: each kind fails on a fixture with an exact offending-row count, the run
// fails with a report naming model, column and test, nothing is committed, and warn-level tests pass.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DfpError } from '../core/errors.ts';
import { runTransform } from './run.ts';
import type { TestResult } from './schema-tests.ts';
import { commitQuery, tempLake, writeProject } from './testing/fixtures.ts';

const SOURCES = `version: 2
sources:
  - name: t
    tables:
      - {name: things, table: raw_things}
      - {name: parents, table: raw_parents}
`;

const MODELS = {
  'sources.yml': SOURCES,
  'things.sql': "SELECT id, v, parent FROM {{ source('t', 'things') }}",
  'parents.sql': "SELECT pid FROM {{ source('t', 'parents') }}",
};

async function fixture() {
  const f = await tempLake();
  // id: 1, 1, 1, NULL, 4 → 1 NULL, 3 rows sharing a value; v: a, b, c, x, a; parent: 10, 20, 99, NULL, 98.
  await commitQuery(f, {
    raw_things: "SELECT * FROM (VALUES (1, 'a', 10), (1, 'b', 20), (1, 'c', 99), (NULL, 'x', NULL), (4, 'a', 98)) AS t(id, v, parent)",
    raw_parents: 'SELECT * FROM (VALUES (10), (20)) AS p(pid)',
  });
  return f;
}

test('each schema test kind reports its exact offending count; a failure commits nothing', async () => {
  const f = await fixture();
  const head = await f.lake.head('main');
  const project = writeProject(f.dir, {
    ...MODELS,
    'schema.yml': `version: 2
models:
  - name: things
    tests:
      - row_count: {min: 10}
      - excluded_columns: {columns: [v, secret]}
    columns:
      - name: id
        tests: [not_null, unique]
      - name: v
        tests:
          - accepted_values: {values: [a, b]}
      - name: parent
        tests:
          - relationships: {to: parents, field: pid}
  - name: parents
    tests:
      - row_count: {equal_to: things}
`,
  });
  try {
    await assert.rejects(runTransform({ lake: f.lake, project, branch: 'main', workDir: f.dir }), (e: unknown) => {
      assert.ok(e instanceof DfpError);
      assert.equal(e.code, 'INPUT_INVALID');
      const failures = (e.details?.failures as TestResult[]).map((r) => [r.model, r.column ?? '', r.test, r.offending]);
      assert.deepEqual(failures.sort(), [
        ['parents', '', 'row_count', 2],
        ['things', '', 'excluded_columns', 1],
        ['things', '', 'row_count', 5],
        ['things', 'id', 'not_null', 1],
        ['things', 'id', 'unique', 3],
        ['things', 'parent', 'relationships', 2],
        ['things', 'v', 'accepted_values', 2],
      ]);
      assert.match(e.message, /7 schema tests failed, nothing committed/);
      assert.match(e.message, /things\.id unique: 3 offending/);
      assert.match(e.message, /things\.parent relationships: 2 offending/);
      return true;
    });
    assert.equal(await f.lake.head('main'), head, 'no commit after a failing test');
  } finally {
    await f.lake.close();
  }
});

test('warn-level tests report their count without failing; passing tests are counted', async () => {
  const f = await fixture();
  const project = writeProject(f.dir, {
    ...MODELS,
    'schema.yml': `version: 2
models:
  - name: things
    tests:
      - row_count: {min: 1, max: 5}
    columns:
      - name: id
        tests:
          - not_null: {severity: warn}
      - name: v
        tests:
          - accepted_values: {values: [a, b, c, x]}
`,
  });
  try {
    const r = await runTransform({ lake: f.lake, project, branch: 'main', workDir: f.dir });
    assert.deepEqual(r.models.things?.tests, { passed: 2, failed: 0, warned: 1 });
    const warn = r.tests.find((t) => t.status === 'warn');
    assert.equal(warn?.offending, 1);
    assert.equal(warn?.column, 'id');
  } finally {
    await f.lake.close();
  }
});

test('a test naming a missing column or an unknown test kind is an actionable error', async () => {
  const f = await fixture();
  try {
    const bad = writeProject(f.dir, { ...MODELS, 'schema.yml': 'models:\n  - name: things\n    columns:\n      - name: nope\n        tests: [not_null]\n' });
    await assert.rejects(runTransform({ lake: f.lake, project: bad, branch: 'main', workDir: f.dir }), /test not_null on things\.nope could not run/);
    const unknown = writeProject(f.dir, { ...MODELS, 'schema.yml': 'models:\n  - name: things\n    columns:\n      - name: id\n        tests: [is_positive]\n' });
    await assert.rejects(runTransform({ lake: f.lake, project: unknown, branch: 'main', workDir: f.dir }), /unknown test 'is_positive' on things\.id/);
  } finally {
    await f.lake.close();
  }
});
