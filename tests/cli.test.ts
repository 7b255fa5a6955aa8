// The command-line contract shared by every command: --help teaches, --json prints exactly one JSON
// document on stdout, failures exit non-zero with a one-line reason on stderr.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runDfp as dfp } from './support/cli.ts';

test('--help lists the commands and how configuration works', () => {
  const r = dfp(['--help']);
  assert.equal(r.code, 0);
  for (const word of ['config', 'synth', 'key=value', 'DFP_HOME', '--json']) assert.ok(r.stdout.includes(word), `help lacks ${word}`);
});

test('--json prints exactly one JSON document on stdout', () => {
  const r = dfp(['config', 'show', 'train.epochs=3', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { config: { train: { epochs: number }; workspace: string } };
  assert.equal(doc.config.train.epochs, 3);
  assert.equal(r.stdout.trim().split('\n').length, 1);
});

test('a failure exits non-zero with one line on stderr, and a JSON error with --json', () => {
  const r = dfp(['config', 'show', 'lake.backend=ftp', '--json']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /lake\.backend.*ftp.*local, s3/);
  const doc = JSON.parse(r.stdout) as { error: { code: string; message: string } };
  assert.equal(doc.error.code, 'CONFIG_INVALID');
});

test('an unknown command is a usage error', () => {
  const r = dfp(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command/);
});
