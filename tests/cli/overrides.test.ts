// The malformed overrides through the real binary: each is refused with exit 2, naming the argument and the
// accepted forms, on any command; well-formed ones still work.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runDfp } from '../support/cli.ts';

const home = mkdtempSync(join(tmpdir(), 'dfp-overrides-'));
const env = { DFP_HOME: home };
const FORMS = /group=preset \(groups: data, model, engine, store, orchestration.*key=value/;

function refused(args: string[], argument: string, forms = true): void {
  const r = runDfp([...args, '--json'], env);
  assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}${r.stdout}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.ok(r.stderr.includes(`'${argument}'`), `${args.join(' ')}: stderr does not name '${argument}': ${r.stderr}`);
  if (forms) assert.match(r.stderr, FORMS);
  const doc = JSON.parse(r.stdout) as { error: { code: string } };
  assert.ok(['USAGE', 'CONFIG_INVALID'].includes(doc.error.code), doc.error.code);
}

test('malformed overrides exit 2 naming the argument and the accepted forms', () => {
  refused(['config', 'show', 'train.epochs:5'], 'train.epochs:5');
  refused(['config', 'show', 'train/epochs=5'], 'train/epochs=5');
  refused(['config', 'show', 'tráin.epochs=5'], 'tráin.epochs=5');
  refused(['lake', 'log', 'justaword'], 'justaword');
  refused(['runs', 'list', 'train.epochs:5'], 'train.epochs:5');
  refused(['config', 'show', 'data=../x'], 'data=../x');
  refused(['train', 'data=../../../../../tmp/x/evil'], 'data=../../../../../tmp/x/evil');
  refused(['config', 'show', 'workspace='], 'workspace=', false);
});

test('a word beyond the command’s own arguments is refused; its own arguments and overrides still work', () => {
  refused(['runs', 'show', 'abc', 'extra'], 'extra');
  const ok = runDfp(['config', 'show', 'model=classifier', 'train.epochs=5', '--json'], env);
  assert.equal(ok.code, 0, ok.stderr);
  const doc = JSON.parse(ok.stdout) as { config: { train: { epochs: number }; model: { name: string }; workspace: string } };
  assert.deepEqual([doc.config.train.epochs, doc.config.model.name, doc.config.workspace], [5, 'classifier', home]);
  // `runs show <run_id>` takes its one argument as before: the error is about the run, not the command line.
  const show = runDfp(['runs', 'show', 'nosuchrun'], env);
  assert.equal(show.code, 1);
  assert.match(show.stderr, /run 'nosuchrun' not found/);
});

test('a preset outside conf/ is never loaded, whatever the path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfp-evil-'));
  writeFileSync(join(dir, 'evil.yaml'), 'data:\n  table: evil\n');
  const r = runDfp(['config', 'show', `data=${join(dir, 'evil')}`, '--json'], env);
  assert.equal(r.code, 2);
  assert.doesNotMatch(r.stdout, /"table":"evil"/);
});
