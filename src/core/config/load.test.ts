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
