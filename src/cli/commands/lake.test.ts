// `dfp lake …` end to end: the real CLI (node bin/dfp.js) on a lake in a temp DFP_HOME, checking --json.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig } from '../../core/config/load.ts';
import { literal, openDuckDb } from '../../engine/duckdb/connection.ts';
import { openLake } from '../../lake/open.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const home = mkdtempSync(join(tmpdir(), 'dfp-cli-lake-'));
const ids: { first: string; second: string } = { first: '', second: '' };

async function dfp(...args: string[]): Promise<{ code: number; json: Record<string, unknown>; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DFP_HOME: home };
  for (const k of Object.keys(env)) if (k.startsWith('DFP_LAKE__')) delete env[k];
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/dfp.js', 'lake', ...args, '--json'], { cwd: ROOT, env });
    return { code: 0, json: JSON.parse(stdout) as Record<string, unknown>, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, json: JSON.parse(err.stdout) as Record<string, unknown>, stderr: err.stderr };
  }
}

before(async () => {
  const conn = await openDuckDb();
  const v1 = join(home, 'v1.parquet');
  const v2 = join(home, 'v2.parquet');
  // v1: a1..a5; v2: a1 removed, a2 relabelled, a6 and a7 added.
  await conn.run(`COPY (SELECT 'a' || i AS sha256, 'l' || i AS label FROM range(1, 6) r(i)) TO ${literal(v1)} (FORMAT parquet)`);
  await conn.run(
    `COPY (SELECT 'a' || i AS sha256, CASE WHEN i = 2 THEN 'new' ELSE 'l' || i END AS label FROM range(2, 8) r(i)) TO ${literal(v2)} (FORMAT parquet)`,
  );
  conn.closeSync();
  const lake = await openLake(loadConfig({ env: { DFP_HOME: home } }).config);
  ids.first = (await lake.commit({ branch: 'main', message: 'first', tables: { apps: { file: v1, key: 'sha256' } }, metadata: { source: 'test' } })).id;
  ids.second = (await lake.commit({ branch: 'main', message: 'second', tables: { apps: { file: v2, key: 'sha256' } } })).id;
  await lake.close();
});
after(() => rmSync(home, { recursive: true, force: true }));

test('lake log, show, tables', async () => {
  const [log, log1, show, tables] = await Promise.all([dfp('log'), dfp('log', '-n', '1'), dfp('show', ids.first.slice(0, 8)), dfp('tables', '--ref', 'main~1')]);
  assert.equal(log.code, 0, log.stderr);
  assert.deepEqual((log.json.commits as { message: string }[]).map((c) => c.message), ['second', 'first', 'init']);
  assert.equal((log1.json.commits as unknown[]).length, 1);
  assert.equal(show.json.id, ids.first);
  assert.deepEqual(show.json.metadata, { source: 'test' });
  assert.equal(tables.json.commit, ids.first);
  assert.deepEqual((tables.json.tables as { name: string; rows: number; key: string }[]).map((t) => [t.name, t.rows, t.key]), [['apps', 5, 'sha256']]);
});

test('lake head reads rows at a ref', async () => {
  const [now, old] = await Promise.all([dfp('head', 'apps', '-n', '2'), dfp('head', 'apps', '--ref', ids.first, '-n', '10')]);
  assert.equal(now.code, 0, now.stderr);
  assert.deepEqual(now.json.columns, ['sha256', 'label']);
  assert.equal((now.json.rows as unknown[]).length, 2);
  assert.equal((old.json.rows as unknown[]).length, 5);
  assert.deepEqual((old.json.rows as { sha256: string }[]).map((r) => r.sha256).sort(), ['a1', 'a2', 'a3', 'a4', 'a5']);
});

test('lake diff counts rows by key', async () => {
  const diff = await dfp('diff', 'main~1', 'main');
  assert.equal(diff.code, 0, diff.stderr);
  assert.deepEqual(diff.json, {
    from: ids.first,
    to: ids.second,
    tables: [{ table: 'apps', status: 'changed', rows_before: 5, rows_after: 6, schema_changed: false, rows_added: 2, rows_removed: 1, rows_changed: 1 }],
  });
});

test('lake tag, branch create, branches; errors as JSON with exit code 1', async () => {
  const tag = await dfp('tag', 'v1', 'main~1');
  assert.deepEqual(tag.json, { name: 'v1', kind: 'tag', commit: ids.first });
  const br = await dfp('branch', 'create', 'exp', '--from', 'v1');
  assert.deepEqual(br.json, { name: 'exp', kind: 'branch', commit: ids.first });
  const list = await dfp('branches');
  assert.equal(list.json.default_branch, 'main');
  assert.deepEqual((list.json.branches as { name: string }[]).map((b) => b.name), ['exp', 'main']);
  assert.deepEqual((list.json.tags as { name: string }[]).map((b) => b.name), ['v1']);

  const again = await dfp('branch', 'create', 'exp');
  assert.equal(again.code, 1);
  assert.equal((again.json.error as { code: string }).code, 'CONFLICT');
  const missing = await dfp('show', 'nosuchref');
  assert.equal(missing.code, 1);
  assert.equal((missing.json.error as { code: string }).code, 'NOT_FOUND');
  const badN = await dfp('log', '-n', 'zero');
  assert.equal(badN.code, 2);
});
