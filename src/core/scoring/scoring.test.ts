// Scoring core: every bad-input class names its field, aliases and optional features (top-k: src/core/ml/explain, metadata: src/core/ml/models).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FEATURE_COLUMNS } from '../kronodroid/schema.ts';
import { ScoringInputError } from './errors.ts';
import { N_FEATURES } from './features.ts';
import { FeatureValidator } from './validate.ts';

const full = (): Record<string, unknown> => Object.fromEntries(FEATURE_COLUMNS.map((c, j) => [c, j % 7]));

function fieldOf(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ScoringInputError, `expected ScoringInputError, got ${String(e)}`);
    assert.equal(e.status, 400);
    return e.field;
  }
  assert.fail('expected a ScoringInputError');
}

test('a complete body fills the row in FEATURE_COLUMNS order', () => {
  const v = new FeatureValidator();
  const out = new Float32Array(2 * N_FEATURES).fill(-5);
  v.fill(full(), out, N_FEATURES);
  assert.deepEqual([...out.subarray(N_FEATURES)], FEATURE_COLUMNS.map((_, j) => j % 7));
  assert.ok(out.subarray(0, N_FEATURES).every((x) => x === -5), 'writes only its own row');
});

test('REBOOT is accepted for REBOOT_PERMISSION; reboot (the syscall) stays separate; both spellings at once is an error', () => {
  const v = new FeatureValidator();
  const b = full();
  delete b.REBOOT_PERMISSION;
  b.REBOOT = 1;
  b.reboot = 9;
  const out = new Float32Array(N_FEATURES);
  v.fill(b, out, 0);
  assert.equal(out[FEATURE_COLUMNS.indexOf('REBOOT_PERMISSION')], 1);
  assert.equal(out[FEATURE_COLUMNS.indexOf('reboot')], 9);
  assert.equal(fieldOf(() => v.fill({ ...full(), REBOOT: 1 }, out, 0)), 'REBOOT');
});

test('FilesInsideAPK may be absent or null (NaN: the model fills it); every other feature is required', () => {
  const v = new FeatureValidator();
  const out = new Float32Array(N_FEATURES);
  const j = FEATURE_COLUMNS.indexOf('FilesInsideAPK');
  const b = full();
  delete b.FilesInsideAPK;
  v.fill(b, out, 0);
  assert.ok(Number.isNaN(out[j]));
  v.fill({ ...full(), FilesInsideAPK: null }, out, 0);
  assert.ok(Number.isNaN(out[j]));
  const missing = full();
  delete missing.read;
  delete missing.write;
  assert.equal(fieldOf(() => v.fill(missing, out, 0)), FEATURE_COLUMNS.find((c) => c === 'read' || c === 'write'));
  assert.equal(fieldOf(() => v.fill({}, out, 0)), FEATURE_COLUMNS[0]);
});

test('every bad value class is a 400 naming the field', () => {
  const v = new FeatureValidator();
  const out = new Float32Array(N_FEATURES);
  const cases: [string, unknown][] = [
    ['read', -1],
    ['read', 1.5],
    ['read', '12'],
    ['read', 'NaN'],
    ['read', null],
    ['read', true],
    ['read', [1]],
    ['read', { n: 1 }],
    ['read', 1e300],
    ['read', Number.MAX_SAFE_INTEGER + 2],
  ];
  for (const [k, val] of cases) assert.equal(fieldOf(() => v.fill({ ...full(), [k]: val }, out, 0)), k, `value ${JSON.stringify(val)}`);
  assert.equal(fieldOf(() => v.fill({ ...full(), READ: 1 }, out, 0)), 'READ', 'names are case-sensitive');
});

test('label, dates, package and family pass through: counted by fill, checked and returned by passthrough, never features', () => {
  const v = new FeatureValidator();
  const out = new Float32Array(N_FEATURES);
  const b = { ...full(), Malware: 1, Package: 'com.example', MalFamily: null, 'Highest-date': '2019-05-01', Year: 2019 };
  assert.equal(v.fill(b, out, 0), 5);
  assert.deepEqual([...out], FEATURE_COLUMNS.map((_, j) => j % 7), 'the row holds the features only');
  assert.deepEqual(v.passthrough(b), { Malware: 1, Package: 'com.example', MalFamily: null, 'Highest-date': '2019-05-01', Year: 2019 });
  assert.equal(v.fill(full(), out, 0), 0);
  assert.equal(v.passthrough(full()), undefined);
  for (const [k, val] of [['Malware', 2], ['Malware', '1'], ['Package', 7], ['Year', 20.5]] as const) assert.equal(fieldOf(() => v.passthrough({ ...full(), [k]: val })), k);
  assert.deepEqual(v.classify({ sha256: 'c'.repeat(64), Malware: 0 }), { kind: 'lookup', sha256: 'c'.repeat(64) }, 'a label beside a sha256 keeps it a lookup');
});

test('missing features: every one is listed in fields, and the message names the model that needs them', () => {
  const v = new FeatureValidator();
  const out = new Float32Array(N_FEATURES);
  const b = full();
  delete b.read;
  delete b.write;
  try {
    v.fill(b, out, 0, 'kronodroid_detector');
    assert.fail('expected a ScoringInputError');
  } catch (e) {
    assert.ok(e instanceof ScoringInputError);
    assert.deepEqual([...(e.fields ?? [])].sort(), ['read', 'write']);
    assert.match(e.message, /model kronodroid_detector needs/);
    assert.deepEqual(e.at(3).fields?.sort(), ['[3].read', '[3].write']);
  }
});

test('classify: objects only; {sha256} alone is a lookup, with features it is echoed; a bad sha256 is a 400', () => {
  const v = new FeatureValidator();
  for (const body of [null, [], 'x', 3, true, undefined]) assert.equal(fieldOf(() => v.classify(body)), 'body');
  assert.deepEqual(v.classify({ sha256: 'A'.repeat(64) }), { kind: 'lookup', sha256: 'a'.repeat(64) });
  assert.deepEqual(v.classify({ sha256: 'b'.repeat(64), read: 1 }), { kind: 'features', sha256: 'b'.repeat(64) });
  assert.deepEqual(v.classify({ read: 1 }), { kind: 'features' });
  assert.equal(fieldOf(() => v.classify({ sha256: 'xyz' })), 'sha256');
  assert.equal(fieldOf(() => v.classify({ sha256: 12 })), 'sha256');
});
