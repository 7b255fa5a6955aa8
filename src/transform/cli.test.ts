// End-to-end tests of `dfp transform` through the real binary: the JSON contract, the human table,
// a failing schema test's exit code and report, and the real KronoDroid subset after `dfp ingest`.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runDfp } from '../../tests/support/cli.ts';
import { haveRealData, REAL_2019 } from '../../tests/support/shared-data.ts';
import { commitRaw, rawApp, tempLake, writeProject } from './testing/fixtures.ts';

interface ModelJson {
  status: string;
  rows: number;
  tests: { passed: number; failed: number };
}
const MODELS = ['permission_features', 'static_features', 'stg_kronodroid__apps', 'syscall_features', 'training_apps'];

test('dfp transform --json: commit and per-model status, rows and tests; then all cached, same commit', async () => {
  const f = await tempLake();
  await commitRaw(f, [rawApp(1), rawApp(2), rawApp(3)]);
  await f.lake.close();
  const env = { DFP_HOME: f.dir };
  const first = runDfp(['transform', '--json'], env);
  assert.equal(first.code, 0, first.stderr);
  const out = JSON.parse(first.stdout) as { commit: string; models: Record<string, ModelJson> };
  assert.match(out.commit, /^[0-9a-f]{64}$/);
  assert.deepEqual(Object.keys(out.models).sort(), MODELS);
  for (const m of Object.values(out.models)) {
    assert.equal(m.status, 'built');
    assert.equal(m.rows, 3);
    assert.equal(m.tests.failed, 0);
    assert.ok(m.tests.passed > 0);
  }
  const again = runDfp(['transform'], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^MODEL\s+STATUS\s+AS\s+ROWS\s+TESTS\s+SECONDS/);
  assert.match(again.stdout, /training_apps\s+cached\s+table\s+3\s+7 passed/);
  assert.match(again.stdout, new RegExp(`nothing changed; main stays at ${out.commit.slice(0, 12)}`));
});

test('a failing schema test exits 1 with a JSON error naming model, column, test and count', async () => {
  const f = await tempLake();
  await commitRaw(f, [rawApp(1), rawApp(2, { Malware: 7 }), rawApp(3, { Malware: 9 })]);
  await f.lake.close();
  const r = runDfp(['transform', '--json', '--select', 'stg_kronodroid__apps'], { DFP_HOME: f.dir });
  assert.equal(r.code, 1);
  const err = (JSON.parse(r.stdout) as { error: { code: string; details: { failures: { model: string; column: string; test: string; offending: number }[] } } }).error;
  assert.equal(err.code, 'INPUT_INVALID');
  assert.deepEqual(err.details.failures.map((x) => [x.model, x.column, x.test, x.offending]), [['stg_kronodroid__apps', 'Malware', 'accepted_values', 2]]);
  assert.match(r.stderr, /stg_kronodroid__apps\.Malware accepted_values: 2 offending/);
});

test('a broken model exits 1 naming the file and line', async () => {
  const f = await tempLake();
  await commitRaw(f, [rawApp(1)]);
  await f.lake.close();
  const project = writeProject(f.dir, {
    'sources.yml': 'sources:\n  - name: kronodroid\n    tables:\n      - {name: raw, table: kronodroid_real}\n',
    'm.sql': "SELECT sha256,\n  nope\nFROM {{ source('kronodroid', 'raw') }}",
  });
  const r = runDfp(['transform', '--project', project], { DFP_HOME: f.dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /dfp: error: model m failed at project-\w+\/models\/m\.sql:2: Binder Error/);
});

test('real subset: dfp ingest then dfp transform builds every model with 1,622 apps and passing tests; again all cached', (t) => {
  if (!haveRealData(t)) return;
  const env = { DFP_HOME: mkdtempSync(join(tmpdir(), 'dfp-transform-real-')) };
  const ingest = runDfp(['ingest', '--source', REAL_2019, '--json'], env);
  assert.equal(ingest.code, 0, ingest.stderr);
  const first = runDfp(['transform', '--json'], env);
  assert.equal(first.code, 0, first.stderr);
  const out = JSON.parse(first.stdout) as { commit: string; models: Record<string, ModelJson> };
  assert.deepEqual(Object.keys(out.models).sort(), MODELS);
  for (const [name, m] of Object.entries(out.models)) {
    assert.equal(m.status, 'built', name);
    assert.equal(m.rows, 1622, name);
    assert.equal(m.tests.failed, 0, name);
  }
  const second = JSON.parse(runDfp(['transform', '--json'], env).stdout) as { commit: string; models: Record<string, ModelJson> };
  assert.equal(second.commit, out.commit);
  assert.deepEqual(Object.values(second.models).map((m) => m.status), MODELS.map(() => 'cached'));
});
