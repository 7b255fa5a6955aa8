import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DfpError } from '../errors.ts';
import { loadConfig } from './load.ts';

const env = {}; // isolate from the developer's DFP_* variables

function expectConfigError(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DfpError, `expected DfpError, got ${String(e)}`);
    assert.equal(e.code, 'CONFIG_INVALID');
    for (const f of fragments) assert.ok(e.message.includes(f), `message "${e.message}" lacks "${f}"`);
    return true;
  });
}

test('defaults come from conf/ presets', () => {
  const { config, presets } = loadConfig({ env, cwd: '/tmp/x' });
  assert.equal(presets.model, 'autoencoder');
  assert.equal(config.model.name, 'autoencoder');
  assert.equal(config.lake.backend, 'local');
  assert.equal(config.workspace, '/tmp/x/.dfp');
  assert.equal(config.data.kronodroid.real.length, 2, 'nested defaults are filled in');
});

test('group=preset swaps a preset and key=value sets a typed key', () => {
  const { config, presets } = loadConfig({ env, overrides: ['model=classifier', 'train.epochs=5', 'store=s3', 'lake.s3.bucket=b1'] });
  assert.equal(presets.model, 'classifier');
  assert.equal(config.model.name, 'classifier');
  assert.equal(config.train.epochs, 5);
  assert.equal(config.lake.backend, 's3');
  assert.equal(config.lake.s3.bucket, 'b1');
  assert.equal(config.lake.s3.prefix, 'lake', 'preset value kept beside the override');
});

test('environment: DFP_HOME and DFP_SECTION__KEY, arguments win over environment', () => {
  const { config } = loadConfig({
    env: { DFP_HOME: '/data/ws', DFP_LAKE__S3__BUCKET: 'from-env', DFP_ENGINE__THREADS: '2', DFP_UNRELATED: 'x' },
    overrides: ['engine.threads=1'],
  });
  assert.equal(config.workspace, '/data/ws');
  assert.equal(config.lake.s3.bucket, 'from-env');
  assert.equal(config.engine.threads, 1);
});

test('an unknown key names the key and the keys allowed there', () => {
  expectConfigError(() => loadConfig({ env, overrides: ['lake.bakend=s3'] }), "'lake.bakend'", 'backend', 'default_branch');
  expectConfigError(() => loadConfig({ env, overrides: ['nosuch=1'] }), "'nosuch'", 'workspace');
});

test('a bad value names the key and the allowed values', () => {
  expectConfigError(() => loadConfig({ env, overrides: ['lake.backend=ftp'] }), "'lake.backend'", '"ftp"', 'local, s3');
  expectConfigError(() => loadConfig({ env, overrides: ['engine.threads=many'] }), "'engine.threads'");
  expectConfigError(() => loadConfig({ env, overrides: ['model=transformer'] }), "model preset 'transformer'", 'autoencoder, classifier');
});

test('a malformed override is a usage error', () => {
  assert.throws(() => loadConfig({ env, overrides: ['=x'] }), (e: unknown) => e instanceof DfpError && e.code === 'USAGE');
});

test('a custom conf dir: broken YAML is reported with its file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfp-conf-'));
  mkdirSync(join(dir, 'model'));
  writeFileSync(join(dir, 'config.yaml'), 'defaults:\n  model: m\n');
  writeFileSync(join(dir, 'model', 'm.yaml'), 'model: [unclosed\n');
  expectConfigError(() => loadConfig({ env, confDir: dir }), 'm.yaml', 'not valid YAML');
});

function expectUsage(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DfpError, `expected DfpError, got ${String(e)}`);
    assert.ok(e.code === 'USAGE' || e.code === 'CONFIG_INVALID', e.code);
    for (const f of fragments) assert.ok(e.message.includes(f), `message "${e.message}" lacks "${f}"`);
    return true;
  });
}

test('overrides are strict: a malformed one names itself and the accepted forms', () => {
  const forms = 'group=preset';
  expectUsage(() => loadConfig({ env, overrides: ['train.epochs:5'] }), "'train.epochs:5'", "did you mean 'train.epochs=5'", forms, 'key=value');
  expectUsage(() => loadConfig({ env, overrides: ['train/epochs=5'] }), "'train/epochs=5'", "did you mean 'train.epochs=5'", forms);
  expectUsage(() => loadConfig({ env, overrides: ['tráin.epochs=5'] }), "'tráin.epochs=5'", 'ASCII', forms);
  expectUsage(() => loadConfig({ env, overrides: ['justaword'] }), "'justaword'", forms);
  expectUsage(() => loadConfig({ env, overrides: ['train..epochs=5'] }), "'train..epochs=5'");
  assert.equal(loadConfig({ env, overrides: ['+train.epochs=7'] }).config.train.epochs, 7, "Hydra's +key=value still sets the key");
});

test('a preset is a plain name inside conf/<group>/, never a path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfp-conf-'));
  const conf = join(dir, 'conf');
  mkdirSync(join(conf, 'data'), { recursive: true });
  writeFileSync(join(conf, 'config.yaml'), 'defaults:\n  data: real\n');
  writeFileSync(join(conf, 'data', 'real.yaml'), 'data:\n  table: kronodroid_real\n');
  // A YAML file outside conf/ that a path-shaped preset name would reach.
  writeFileSync(join(dir, 'evil.yaml'), 'data:\n  table: evil\n');
  for (const name of ['../evil', `${dir}/evil`, 'sub/real', '..', '', '.hidden']) {
    expectUsage(() => loadConfig({ env, confDir: conf, overrides: [`data=${name}`] }), `'data=${name}'`, 'conf/data/', 'never a path');
  }
  assert.equal(loadConfig({ env, confDir: conf, overrides: ['data=real'] }).config.data.table, 'kronodroid_real');
  // conf/config.yaml's own defaults obey the same rule.
  writeFileSync(join(conf, 'config.yaml'), 'defaults:\n  data: ../evil\n');
  expectUsage(() => loadConfig({ env, confDir: conf }), "'data=../evil'", 'never a path');
});

test('an empty value is an error unless the key allows it (empty, or unset for an optional key)', () => {
  expectConfigError(() => loadConfig({ env, overrides: ['workspace='] }), "config key 'workspace' must not be empty", "argument 'workspace='");
  expectConfigError(() => loadConfig({ env, overrides: ['train.epochs='] }), "'train.epochs' must not be empty");
  expectConfigError(() => loadConfig({ env: { DFP_LAKE__PATH: '' } }), "'lake.path' must not be empty", 'DFP_LAKE__PATH');
  // tracking.uri='' means the embedded store; an optional key set empty is unset (lake.s3.endpoint: AWS itself).
  assert.equal(loadConfig({ env, overrides: ['tracking.uri=http://x:5000', 'tracking.uri='] }).config.tracking.uri, '');
  const s3 = loadConfig({ env, overrides: ['store=s3', 'lake.s3.endpoint=http://minio:9000', 'lake.s3.endpoint='] }).config.lake.s3;
  assert.equal(s3.endpoint, undefined);
  // An empty DFP_HOME is "not set", not "the current directory".
  assert.equal(loadConfig({ env: { DFP_HOME: '' }, cwd: '/tmp/y' }).config.workspace, '/tmp/y/.dfp');
});
