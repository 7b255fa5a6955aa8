// Line progress (stderr not a terminal): what is printed when, with a hand-driven clock (no sleeps).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSeconds, lineProgress } from './progress-lines.ts';

function driven(intervalMs = 10_000) {
  const lines: string[] = [];
  let t = 1_000_000;
  const p = lineProgress({ write: (l) => lines.push(l), intervalMs, now: () => t });
  return { p, lines, advance: (ms: number) => (t += ms) };
}

test('a phase with a total: a start line, at most one line per interval with share and ETA, a done line', () => {
  const { p, lines, advance } = driven();
  p.start('synth', 1_000_000, 'rows');
  assert.deepEqual(lines, ['synth: started, 1,000,000 rows']);
  advance(4_000);
  p.update(100_000);
  assert.equal(lines.length, 1, 'within the interval nothing more is printed');
  advance(6_000);
  p.update(250_000);
  assert.equal(lines[1], 'synth: 250,000/1,000,000 rows (25%), 10s elapsed, ETA 30s');
  advance(1_000);
  p.update(300_000);
  assert.equal(lines.length, 2);
  advance(50_000);
  p.update(1_000_000);
  p.stop();
  assert.deepEqual(lines.slice(2), ['synth: 1,000,000/1,000,000 rows (100%), 1m 1s elapsed, ETA 0s', 'synth: done, 1,000,000/1,000,000 rows in 1m 1s']);
});

test('a phase without a total stays quiet unless it outlasts an interval', () => {
  const { p, lines, advance } = driven();
  p.start('fitting profile');
  advance(3_000);
  p.stop();
  assert.deepEqual(lines, []);
  p.start('gc: listing objects', undefined, 'objects');
  advance(12_000);
  p.update(5000);
  p.stop();
  assert.deepEqual(lines, ['gc: listing objects: 5,000 objects, 12s elapsed', 'gc: listing objects: done, 5,000 objects in 12s']);
});

test('restarting with the same total relabels the phase (no new start line); another total starts a new phase', () => {
  const { p, lines, advance } = driven();
  p.start('train epoch 0/200', 200, 'epochs');
  advance(11_000);
  p.start('train epoch 7/200 loss 0.31', 200, 'epochs');
  p.update(7);
  assert.deepEqual(lines, ['train epoch 0/200: started, 200 epochs', 'train epoch 7/200 loss 0.31: 7/200 epochs (3%), 11s elapsed, ETA 5m 3s']);
  p.start('export', 2, 'files');
  assert.deepEqual(lines.slice(2), ['train epoch 7/200 loss 0.31: done, 7/200 epochs in 11s', 'export: started, 2 files']);
  p.stop();
  p.stop();
  p.update(3);
  assert.equal(lines.length, 5, 'stop twice and update after stop print nothing more');
});

test('formatSeconds', () => {
  assert.deepEqual([0, 59.4, 75, 3725].map(formatSeconds), ['0s', '59s', '1m 15s', '1h 2m']);
});
