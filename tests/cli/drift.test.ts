// `dfp drift` end to end on self-made KronoDroid files: the same apps show no drift; apps whose syscalls grew
// and whose permissions changed drift in those groups; too few rows is a clear error naming the side.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeTrainableCsv, writeCsv } from '../../src/ingest/testing.ts';
import { runDfp } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'dfp-drift-'));
const reference = writeTrainableCsv(dir, 'reference.csv', 200, { months: 6 });

interface Report {
  drifted: boolean;
  current: { rows: number };
  features: { name: string; group: string; drifted: boolean; psi: number }[];
  groups: Record<string, { drifted: number }>;
  months: { month: string; rows: number }[];
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
});

test('apps whose syscall counts grew and whose permissions changed drift in those groups, month by month', () => {
  const over: Record<number, Record<string, string>> = {};
  for (let k = 1; k <= 200; k++) over[k] = { read: String(200 + k), write: String(500 + k), INTERNET: '0', CAMERA: '1', 'Highest-date': `2019-0${1 + (k % 3)}-15` };
  const shifted = writeCsv(dir, 'shifted.csv', 200, { first: 5000, over });
  const r = drift(shifted);
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
