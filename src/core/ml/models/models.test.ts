// Pure model-definition tests: leakage guard, feature hash, preprocessing rules, Platt scaling (explanations: src/core/ml/explain).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FEATURE_COLUMNS, LEAKING_COLUMNS } from '../../kronodroid/schema.ts';
import { fitPlatt } from './calibrate.ts';
import { FEATURE_LIST_HASH, activeMask, assertNoLeakage, featureKind, featureListHash } from './features.ts';
import { fitPreprocess, preprocess } from './preprocess.ts';

const F = FEATURE_COLUMNS.length;

test('label-leaking and identifying columns are refused as features', () => {
  for (const c of [...LEAKING_COLUMNS, 'Malware', 'sha256']) assert.throws(() => assertNoLeakage([...FEATURE_COLUMNS, c]), /label-leaking/);
  assert.doesNotThrow(() => assertNoLeakage(FEATURE_COLUMNS));
  assert.equal(FEATURE_LIST_HASH, featureListHash(FEATURE_COLUMNS));
  assert.notEqual(FEATURE_LIST_HASH, featureListHash([...FEATURE_COLUMNS, 'Detection_Ratio']));
});

test('fitted preprocessing covers exactly FEATURE_COLUMNS with their hash', () => {
  const spec = fitPreprocess(new Float32Array(3 * F).fill(1));
  assert.deepEqual(spec.columns, [...FEATURE_COLUMNS]);
  assert.equal(spec.featureListHash, featureListHash(FEATURE_COLUMNS));
});

test('feature kinds: permission flags binary, permission aggregates numeric, syscalls and static counts', () => {
  assert.equal(featureKind('REBOOT_PERMISSION'), 'binary');
  assert.equal(featureKind('nr_permissions'), 'numeric');
  assert.equal(featureKind('read'), 'count');
  assert.equal(featureKind('CFileSize'), 'count');
  assert.throws(() => activeMask(['not_a_column']), /not features/);
  assert.equal(activeMask(['@permissions']).filter((a) => !a).length, FEATURE_COLUMNS.filter((c) => featureKind(c) === 'binary').length);
});

test('preprocessing: NaN takes the training mean, counts are log1p-standardised and clipped, flags stay 0/1', () => {
  const n = 4;
  const x = new Float32Array(n * F);
  const j = FEATURE_COLUMNS.indexOf('read');
  const b = FEATURE_COLUMNS.indexOf('REBOOT_PERMISSION');
  [0, 10, 100, 1000].forEach((v, i) => (x[i * F + j] = v));
  [0, 1, 1, 0].forEach((v, i) => (x[i * F + b] = v));
  const spec = fitPreprocess(x, { clip: 1.5 });
  const probe = new Float32Array(3 * F);
  probe[j] = NaN;
  probe[F + j] = 1e12;
  probe[b] = 1;
  const z = preprocess(spec, probe);
  const mean = [0, 10, 100, 1000].reduce((a, v) => a + v, 0) / 4;
  const expectNan = (Math.log1p(Math.fround(mean)) - spec.center[j]!) * spec.scale[j]!;
  assert.ok(Math.abs(z[j]! - expectNan) < 1e-5, `NaN filled: ${z[j]} vs ${expectNan}`);
  assert.equal(z[F + j], Math.fround(1.5), 'huge counts are clipped');
  assert.equal(z[b], 1);
  assert.equal(z[F + b], 0);
  // a constant column keeps scale 1, so an unseen value still stands out
  const k = FEATURE_COLUMNS.indexOf('execve');
  assert.equal(spec.scale[k], 1);
});

test('Platt scaling is finite and increasing on perfectly separated logits', () => {
  const logits = [-5, -4, -3, -2, 2, 3, 4];
  const labels = [0, 0, 0, 0, 1, 1, 1];
  const p = fitPlatt(logits, labels);
  assert.ok(p.a > 0 && Number.isFinite(p.b), JSON.stringify(p));
  const prob = (l: number) => 1 / (1 + Math.exp(-(p.a * l + p.b)));
  assert.ok(prob(4) > 0.5 && prob(-5) < 0.5);
});
