// `dfp lake gc` through the real binary on a local lake: dry run by default, --apply honours the grace
// period, --grace 0s takes the rest, reachable tables still read, bad durations are usage errors.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/core/config/load.ts';
import { literal, openDuckDb } from '../../src/engine/duckdb/connection.ts';
import { sha256File } from '../../src/lake/canonical.ts';
import { objectKey } from '../../src/lake/names.ts';
import { openLake } from '../../src/lake/open.ts';
import { runDfp } from '../support/cli.ts';

const home = mkdtempSync(join(tmpdir(), 'dfp-cli-gc-'));
const env = { DFP_HOME: home, DFP_LAKE__BACKEND: 'local' };
const paths = { old: '', young: '' };

function gc(...args: string[]): { code: number; json: Record<string, unknown>; stderr: string } {
  const r = runDfp(['lake', 'gc', ...args, '--json'], env);
  return { code: r.code, json: JSON.parse(r.stdout) as Record<string, unknown>, stderr: r.stderr };
}

before(async () => {
  const conn = await openDuckDb();
  for (const [name, n] of [['apps', 5], ['old', 6], ['young', 7]] as const) {
    await conn.run(`COPY (SELECT 'a' || i AS sha256, 'l' || i AS label FROM range(${n}) r(i)) TO ${literal(join(home, `${name}.parquet`))} (FORMAT parquet)`);
  }
  conn.closeSync();
  const lake = await openLake(loadConfig({ env }).config);
  await lake.commit({ branch: 'main', message: 'apps', tables: { apps: { file: join(home, 'apps.parquet'), key: 'sha256' } } });
  // Two tables uploaded by writers that never committed: one two hours ago, one just now.
  for (const name of ['old', 'young'] as const) {
    const key = objectKey(await sha256File(join(home, `${name}.parquet`)));
    await lake.store.putFile(key, join(home, `${name}.parquet`));
    paths[name] = lake.store.localPath?.(key) ?? '';
  }
  const twoHoursAgo = (Date.now() - 2 * 3_600_000) / 1000;
  utimesSync(paths.old, twoHoursAgo, twoHoursAgo);
  await lake.close();
});
after(() => rmSync(home, { recursive: true, force: true }));

test('lake gc: dry run by default, --apply keeps young orphans, --grace 0s takes them', () => {
  const dry = gc();
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(dry.json.dry_run, true);
  assert.equal(dry.json.reachable_objects, 3, 'init commit, apps commit, apps table');
  assert.equal(dry.json.unreachable_objects, 2);
  assert.equal(dry.json.deletable, 1);
  assert.equal(dry.json.skipped_young, 1);
  assert.equal(dry.json.deleted, 0);
  assert.equal(dry.json.bytes, statSync(paths.old).size);
  assert.equal(dry.json.grace_seconds, 3600);
  assert.ok(existsSync(paths.old) && existsSync(paths.young), 'a dry run deletes nothing');

  const text = runDfp(['lake', 'gc'], env);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /dry run: nothing deleted/);
  assert.match(text.stdout, /would delete\s+table\s+objects\/[0-9a-f]{64}\.parquet/);
  assert.match(text.stdout, /keep \(young\)/);

  const applied = gc('--apply');
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(applied.json.dry_run, false);
  assert.equal(applied.json.deleted, 1);
  assert.equal(existsSync(paths.old), false);
  assert.equal(existsSync(paths.young), true, 'inside the 1h grace period');

  const all = gc('--apply', '--grace', '0s');
  assert.equal(all.json.deleted, 1);
  assert.equal(all.json.grace_seconds, 0);
  assert.equal(existsSync(paths.young), false);
  assert.equal(gc().json.unreachable_objects, 0);

  const head = runDfp(['lake', 'head', 'apps', '--json'], env);
  assert.equal(head.code, 0, head.stderr);
  assert.equal((JSON.parse(head.stdout) as { rows: unknown[] }).rows.length, 5);
});

test('lake gc: a bad --grace is a usage error; --help explains what is kept', () => {
  const bad = gc('--grace', 'soon');
  assert.equal(bad.code, 2);
  assert.equal((bad.json.error as { code: string }).code, 'USAGE');
  const help = runDfp(['lake', 'gc', '--help'], env);
  assert.equal(help.code, 0);
  for (const words of [/What is kept/, /Grace period/, /--apply/, /Dry run by default/, /dfp lake gc --apply --grace 30m/]) assert.match(help.stdout, words);
});
