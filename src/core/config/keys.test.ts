// `dfp config keys` lists what the loader accepts: every leaf of a resolved config, with the schema's descriptions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configKeys } from './keys.ts';
import { loadConfig } from './load.ts';

function leaves(v: unknown, path = ''): string[] {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return Object.entries(v).flatMap(([k, x]) => leaves(x, path ? `${path}.${k}` : k));
  return [path];
}

test('every key of a resolved config is listed; the detector keys say what they do; a prefix narrows', () => {
  const { config } = loadConfig({ overrides: ['model=classifier'], env: {} });
  const listed = new Set(configKeys().map((k) => k.key));
  const missing = leaves(config).filter((k) => !listed.has(k) && ![...listed].some((l) => k.startsWith(`${l}.`)));
  assert.deepEqual(missing, []);
  const trees = configKeys('model.classifier.trees');
  assert.ok(trees.length >= 10 && trees.every((k) => k.key.startsWith('model.classifier.trees.') && k.description), 'each tree key is documented');
  const kind = configKeys('model.classifier.kind')[0]!;
  assert.equal(kind.type, '"auto" | "mlp" | "trees" | "blend"');
  assert.match(kind.description ?? '', /time-forward/);
  assert.deepEqual(configKeys('no.such'), []);
});
