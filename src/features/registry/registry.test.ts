// Registry apply: validation against the lake with errors naming view and feature, `features: all`
// expansion, and the content-hash version (same content ⇒ same version).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DfpError } from '../../core/errors.ts';
import { parseTtl } from '../../core/features/registry-spec.ts';
import { FeatureFixture, REGISTRY_YAML } from '../testing/fixtures.ts';
import { RegistryStore } from './store.ts';
import { applyRegistry } from './apply.ts';

describe('feature registry apply', () => {
  const fx = new FeatureFixture();
  before(() => fx.seed());
  after(() => fx.close());

  test('expands `features: all`, leaving out key, timestamp, text and label columns', async () => {
    // The registry text is written by each test that needs it: an earlier test may have left a broken one.
    const applied = await fx.apply(REGISTRY_YAML);
    const sys = applied.registry.views.find((v) => v.name === 'syscalls')!;
    assert.deepEqual(sys.features.map((f) => f.name), ['read', 'write', 'read_ratio']);
    assert.equal(sys.ttl_seconds, 40 * 86400);
    assert.deepEqual(applied.registry.feature_services[0]!.features, ['syscalls:read', 'syscalls:write', 'syscalls:read_ratio', 'permissions:INTERNET']);
  });

  test('apply again unchanged gives the same version; a change gives another', async () => {
    const lake = await fx.lake();
    await fx.apply(REGISTRY_YAML);
    const first = await applyRegistry({ lake, workspace: fx.config.workspace, file: fx.registryFile, ref: 'main' });
    const again = await applyRegistry({ lake, workspace: fx.config.workspace, file: fx.registryFile, ref: 'main' });
    assert.equal(again.applied.version, first.applied.version);
    assert.equal(again.unchanged, true);
    const changed = await fx.apply(REGISTRY_YAML.replace('ttl: 40d', 'ttl: 41d'));
    assert.notEqual(changed.version, first.applied.version);
    const store = new RegistryStore(fx.config.workspace);
    assert.equal(store.currentVersion(), changed.version);
    // An older version stays loadable by a model that names it (prefix works too).
    assert.equal(store.load(first.applied.version.slice(0, 10)).version, first.applied.version);
    await fx.apply(REGISTRY_YAML);
  });

  const expectError = async (yaml: string, pattern: RegExp) => {
    await assert.rejects(fx.apply(yaml), (e: unknown) => e instanceof DfpError && pattern.test(e.message));
  };

  test('errors name the view and the feature', async () => {
    await expectError(REGISTRY_YAML.replace('[INTERNET, REBOOT_PERMISSION]', '[INTERNET, NOPE]'), /feature view 'permissions': feature 'NOPE' is not a column of permission_features/);
    await expectError(REGISTRY_YAML.replace('source: syscall_features', 'source: missing_table'), /feature view 'syscalls': source table 'missing_table' is not in the lake/);
    await expectError(
      REGISTRY_YAML.replace('ttl: 40d\n    features: all', 'ttl: 40d\n    features: [read, Package]'),
      /feature view 'syscalls': feature 'Package' in syscall_features is VARCHAR, expected a numeric type/,
    );
    await expectError(REGISTRY_YAML.replace('ttl: 40d\n    features: all', 'ttl: 40d\n    features: [Malware]'), /'Malware' leaks the label/);
    await expectError(REGISTRY_YAML.replace('ttl: 40d', 'ttl: forever'), /feature view 'syscalls': ttl 'forever' is not a duration/);
    await expectError(REGISTRY_YAML.replace('"permissions:INTERNET"', '"permissions:NOPE"'), /feature service 'detector': feature 'permissions:NOPE' is not in the registry/);
    await expectError(REGISTRY_YAML.replace('name: syscalls', 'name: Sys-calls'), /feature_views\[0\] \(Sys-calls\)\.name/);
  });

  test('ttl strings', () => {
    assert.equal(parseTtl('30d', 'x'), 30 * 86400);
    assert.equal(parseTtl('90m', 'x'), 5400);
    assert.equal(parseTtl(0, 'x'), 0);
    assert.equal(parseTtl('45', 'x'), 45);
  });
});
