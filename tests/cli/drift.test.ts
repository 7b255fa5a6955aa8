// `dfp drift` end to end on self-made KronoDroid files: the same apps show no drift; apps whose syscalls grew
// and whose permissions changed drift in those groups; too few rows is a clear error naming the side.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeTrainableCsv } from '../../src/ingest/testing.ts';
import { runDfp } from '../support/cli.ts';
import { writeDriftedCsv } from '../support/drifted-apps.ts';

const dir = mkdtempSync(join(tmpdir(), 'dfp-drift-'));
const reference = writeTrainableCsv(dir, 'reference.csv', 200, { months: 6 });

interface Report {
  drifted: boolean;
  current: { rows: number };
  features: { name: string; group: string; drifted: boolean; psi: number }[];
  groups: Record<string, { drifted: number }>;
  months: { month: string; rows: number; alert_rate: number | null }[];
  score: unknown;
  notes: string[];
}

const drift = (data: string) => {
  const r = runDfp(['drift', '--reference', reference, '--data', data, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Report;
};

test('the same apps: no drift, every PSI zero', () => {
  const r = drift(reference);
  assert.equal(r.drifted, false);
  assert.ok(r.features.every((f) => f.psi === 0));
  assert.equal(r.current.rows, 200);
  // A workspace without registered models: features only, and the report says why there are no scores.
  assert.equal(r.score, null);
  assert.match(r.notes.join('\n'), /models:\/kronodroid_detector@production is not scored: registered model 'kronodroid_detector' not found/);
});

test('apps whose syscall counts grew and whose permissions changed drift in those groups, month by month', () => {
  const r = drift(writeDriftedCsv(dir));
  assert.equal(r.drifted, true);
  const names = new Set(r.features.filter((f) => f.drifted).map((f) => f.name));
  for (const f of ['read', 'write', 'INTERNET', 'CAMERA']) assert.ok(names.has(f), `${f} should drift: ${[...names].join(', ')}`);
  assert.ok(r.groups.syscalls!.drifted >= 2 && r.groups.permissions!.drifted >= 2, JSON.stringify(r.groups));
  assert.deepEqual(r.months.map((m) => m.month), ['2019-01', '2019-02', '2019-03']);
});

test('too few apps on a side is INPUT_INVALID naming it', () => {
  const tiny = writeTrainableCsv(dir, 'tiny.csv', 5);
  const r = runDfp(['drift', '--reference', reference, '--data', tiny, '--json']);
  assert.notEqual(r.code, 0);
  const doc = JSON.parse(r.stdout) as { error: { code: string; message: string } };
  assert.equal(doc.error.code, 'INPUT_INVALID');
  assert.match(doc.error.message, /--data '.*tiny\.csv' has 5 usable row\(s\); comparing distributions needs at least 20/);
});

test('without --reference and without a production detector: NOT_FOUND saying what to pass', () => {
  const r = runDfp(['drift', '--data', reference, '--json']);
  assert.equal(r.code, 1, r.stderr);
  const doc = JSON.parse(r.stdout) as { error: { code: string; message: string } };
  assert.equal(doc.error.code, 'NOT_FOUND');
  assert.match(doc.error.message, /^no --reference given, and the default reference \(the training data of models:\/kronodroid_detector@production, serve\.model\) cannot be found: .*; pass --reference <file\|lake ref>$/);
});

test('a file sharing no column with KronoDroid, and an empty file, are errors naming the side and the file', () => {
  const other = join(dir, 'other.csv');
  writeFileSync(other, 'a,b\n1,2\n');
  const r = runDfp(['drift', '--reference', reference, '--data', other, '--json']);
  assert.equal(r.code, 2, r.stderr);
  const doc = JSON.parse(r.stdout) as { error: { code: string; message: string } };
  assert.equal(doc.error.code, 'SCHEMA_MISMATCH');
  assert.match(doc.error.message, /^--data '.*other\.csv' lacks 478 required column\(s\), every feature column among them: it shares no column with KronoDroid's features \(Package, Malware, execve, .*, and 470 more\); drift reads labelled KronoDroid files/);
  const empty = join(dir, 'empty.csv');
  writeFileSync(empty, '');
  const e = runDfp(['drift', '--reference', empty, '--data', reference, '--json']);
  assert.equal(e.code, 1, e.stderr);
  assert.match((JSON.parse(e.stdout) as { error: { message: string } }).error.message, /empty\.csv has no CSV header line/);
});
