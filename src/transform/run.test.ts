// Tests of the runner on small projects: caching (no new commit when nothing changed, a SQL change
// rebuilds the model and its dependents only), views, --select, --ref, cycles, and SQL errors with file:line.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DfpError } from '../core/errors.ts';
import { runTransform, type TransformOptions } from './run.ts';
import type { TransformState } from './state.ts';
import { commitQuery, type Fixture, tempLake, writeProject } from './testing/fixtures.ts';

const FILES = {
  'sources.yml': 'sources:\n  - name: t\n    tables:\n      - {name: things, table: raw_things}\n      - {name: parents, table: raw_parents}\n',
  'a.sql': "{{ config(materialized='table', key='id') }}\nSELECT id, v FROM {{ source('t', 'things') }}",
  'sub/b.sql': "{{ config(key='id') }}\nSELECT id, UPPER(v) AS v FROM {{ ref('a') }}",
  'sub/c.sql': "SELECT COUNT(*) AS n FROM {{ ref('b') }}",
  'd.sql': "{{ config(materialized='view') }}\nSELECT pid FROM {{ source('t', 'parents') }}",
  'e.sql': "SELECT d.pid, a.v FROM {{ ref('d') }} AS d JOIN {{ ref('a') }} AS a ON a.id = d.pid",
};

async function fixture(): Promise<Fixture> {
  const f = await tempLake();
  await commitQuery(f, {
    raw_things: "SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c')) AS t(id, v)",
    raw_parents: 'SELECT * FROM (VALUES (1), (2)) AS p(pid)',
  });
  return f;
}

const statuses = (r: { models: Record<string, { status: string }> }) => Object.fromEntries(Object.entries(r.models).map(([m, s]) => [m, s.status]));

function opts(f: Fixture, project: string, extra: Partial<TransformOptions> = {}): TransformOptions {
  return { lake: f.lake, project, branch: 'main', workDir: f.dir, engine: { threads: 1 }, ...extra };
}

test('second run is all cached with no new commit; a SQL change rebuilds that model and its dependents only', async () => {
  const f = await fixture();
  const project = writeProject(f.dir, FILES);
  try {
    const first = await runTransform(opts(f, project));
    assert.deepEqual(statuses(first), { a: 'built', b: 'built', c: 'built', d: 'built', e: 'built' });
    assert.equal(first.unchanged, false);
    assert.deepEqual([first.models.a?.rows, first.models.c?.rows, first.models.d?.rows, first.models.e?.rows], [3, 1, 2, 2]);
    const commit = await f.lake.resolve('main');
    assert.deepEqual(Object.keys(commit.tables).sort(), ['a', 'b', 'c', 'e', 'raw_parents', 'raw_things'], 'the view d is not a table');
    const record = commit.metadata.transform as TransformState;
    assert.equal(record.models.d?.sql?.trim(), 'SELECT pid FROM "raw_parents"', 'a view records its SQL');
    assert.equal(record.models.a?.rows, 3);
    assert.match(record.models.a?.sql_hash ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(record.models.b?.tests, { passed: 0, failed: 0, warned: 0 });

    const second = await runTransform(opts(f, project));
    assert.deepEqual(statuses(second), { a: 'cached', b: 'cached', c: 'cached', d: 'cached', e: 'cached' });
    assert.equal(second.unchanged, true);
    assert.equal(second.commit, first.commit);
    assert.equal((await f.lake.log('main')).length, 3, 'init, fixture, one transform');

    writeFileSync(join(project, 'models/sub/b.sql'), "{{ config(key='id') }}\nSELECT id, LOWER(v) || '!' AS v FROM {{ ref('a') }}");
    const third = await runTransform(opts(f, project));
    assert.deepEqual(statuses(third), { a: 'cached', b: 'built', c: 'built', d: 'cached', e: 'cached' });
    assert.equal(third.unchanged, false);
    assert.deepEqual(third.models.b?.rows, 3);

    // A changed input table rebuilds its readers, views included.
    await commitQuery(f, { raw_parents: 'SELECT * FROM (VALUES (1), (2), (3)) AS p(pid)' });
    const fourth = await runTransform(opts(f, project));
    assert.deepEqual(statuses(fourth), { a: 'cached', b: 'cached', c: 'cached', d: 'built', e: 'built' });
    assert.equal(fourth.models.e?.rows, 3);
  } finally {
    await f.lake.close();
  }
});

test('--select runs the model and what it needs; the rest stays as it was', async () => {
  const f = await fixture();
  const project = writeProject(f.dir, FILES);
  try {
    const r = await runTransform(opts(f, project, { select: ['b'] }));
    assert.deepEqual(statuses(r), { a: 'built', b: 'built' });
    assert.deepEqual(Object.keys((await f.lake.resolve('main')).tables).sort(), ['a', 'b', 'raw_parents', 'raw_things']);
    const all = await runTransform(opts(f, project));
    assert.deepEqual(statuses(all), { a: 'cached', b: 'cached', c: 'built', d: 'built', e: 'built' });
    const record = (await f.lake.resolve('main')).metadata.transform as TransformState;
    assert.deepEqual(Object.keys(record.models).sort(), ['a', 'b', 'c', 'd', 'e']);
  } finally {
    await f.lake.close();
  }
});

test('--ref reads inputs at an older commit and commits onto the branch', async () => {
  const f = await fixture();
  const project = writeProject(f.dir, FILES);
  try {
    const old = (await f.lake.resolve('main')).id;
    await commitQuery(f, { raw_things: "SELECT * FROM (VALUES (1, 'a')) AS t(id, v)" });
    const r = await runTransform(opts(f, project, { ref: old.slice(0, 12), select: ['a'] }));
    assert.equal(r.read_from, old);
    assert.equal(r.models.a?.rows, 3);
    assert.equal((await f.lake.resolve('main')).tables.a?.rows, 3);
  } finally {
    await f.lake.close();
  }
});

test('a cycle between models is an error naming it; so is a ref to no model', async () => {
  const f = await fixture();
  try {
    const cyclic = writeProject(f.dir, { 'x.sql': "SELECT * FROM {{ ref('y') }}", 'y.sql': "SELECT * FROM {{ ref('x') }}" });
    await assert.rejects(runTransform(opts(f, cyclic)), /models form a cycle: x → y → x/);
    const dangling = writeProject(f.dir, { 'x.sql': "SELECT * FROM {{ ref('nope') }}" });
    await assert.rejects(runTransform(opts(f, dangling)), /x\.sql: ref\('nope'\) names no model/);
  } finally {
    await f.lake.close();
  }
});

test('a SQL error names the model file and the line in the .sql file', async () => {
  const f = await fixture();
  try {
    const binder = writeProject(f.dir, {
      ...FILES,
      'sub/b.sql': "{{ config(\n  materialized='table'\n) }}\nSELECT id,\n  no_such_column AS v\nFROM {{ ref('a') }}",
    });
    await assert.rejects(runTransform(opts(f, binder)), (e: unknown) => {
      assert.ok(e instanceof DfpError);
      assert.match(e.message, /model b failed at project-\w+\/models\/sub\/b\.sql:5: Binder Error: .*no_such_column/);
      assert.equal(e.details?.line, 5);
      assert.equal(e.details?.source_line, 'no_such_column AS v');
      return true;
    });
    const parser = writeProject(f.dir, { ...FILES, 'd.sql': "{{ config(materialized='view') }}\nSELECT pid\nFROMM {{ source('t', 'parents') }}" });
    await assert.rejects(runTransform(opts(f, parser)), (e: unknown) => e instanceof DfpError && e.details?.line === 3 && /d\.sql:3: Parser Error/.test(e.message));
  } finally {
    await f.lake.close();
  }
});

test('a source missing from the lake is a NOT_FOUND error that says how to load it', async () => {
  const f = await tempLake();
  try {
    const project = writeProject(f.dir, FILES);
    await assert.rejects(runTransform(opts(f, project)), (e: unknown) => e instanceof DfpError && e.code === 'NOT_FOUND' && /lake table 'raw_things'/.test(e.message));
  } finally {
    await f.lake.close();
  }
});
