// Explainers: reconstruction-z top-k equals a full sort (objects and CSV alike), occlusion measures score drops, and
// the metadata picks the method.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FEATURE_COLUMNS } from '../../kronodroid/schema.ts';
import { parseModelMetadata } from '../models/metadata.ts';
import { Occlusion, ReconstructionZ, errorStats, explainerFor } from './index.ts';

const F = FEATURE_COLUMNS.length;
const rand = (seed: number) => {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
};

test('topFeatures equals a full sort by |z| over active features', () => {
  const r = rand(3);
  const mean = Array.from({ length: F }, () => r());
  const std = Array.from({ length: F }, () => 0.1 + r());
  const active = FEATURE_COLUMNS.map((_, j) => j % 5 !== 0);
  const errors = Float32Array.from({ length: 2 * F }, () => 3 * r());
  for (const k of [1, 5, 12]) {
    const z = new ReconstructionZ({ mean, std }, FEATURE_COLUMNS, active, k);
    const got = z.fromOutputs({ score: 0, errors, offset: F });
    const want = FEATURE_COLUMNS.map((name, j) => ({ name, z: (errors[F + j]! - mean[j]!) / std[j]!, j }))
      .filter((c) => active[c.j])
      .sort((a, b) => Math.abs(b.z) - Math.abs(a.z))
      .slice(0, k);
    assert.deepEqual(got.map((g) => g.name), want.map((w) => w.name));
    got.forEach((g, i) => assert.ok(Math.abs(g.value - want[i]!.z) < 1e-3));
    // Batch scoring's CSV fields hold the same ranking, row by row.
    const csv = z.csvFields({ scores: new Float32Array(2), featureErrors: errors }, 2)!;
    const row1 = JSON.parse(csv[1]!.slice(1, -1).replace(/""/g, '"')) as { name: string; z: number }[];
    assert.deepEqual(row1, got.map((g) => ({ name: g.name, z: g.value })));
  }
  const classifier = parseModelMetadata({ kind: 'classifier', threshold: 0.5, preprocess: { columns: [...FEATURE_COLUMNS], active } }, 'm');
  assert.deepEqual(explainerFor(classifier).fromOutputs({ score: 0.5, errors: undefined, offset: 0 }) ?? [], []);
});

test('explanations rank features by |z|, ties by name, and skip inactive ones', () => {
  const cols = ['c', 'b', 'a', 'd'];
  const active = [true, true, true, false];
  const stats = errorStats(Float64Array.of(1, 1, 1, 0, 3, 1, 1, 0), 4, active);
  assert.deepEqual(stats.mean, [2, 1, 1, 0]);
  const z = new ReconstructionZ(stats, cols, active, 2);
  // b and a tie (same error, same stats): the name decides; d would rank first but is inactive.
  const top = z.fromOutputs({ score: 0, errors: Float32Array.of(2, 9, 9, 99), offset: 0 });
  assert.deepEqual(top.map((t) => t.name), ['a', 'b']);
});

test('occlusion: each given feature reset to its fill value, ranked by the score drop; missing and inactive ones skipped', async () => {
  const fill = FEATURE_COLUMNS.map(() => 0);
  const active = FEATURE_COLUMNS.map((_, j) => j !== 2);
  const x = new Float32Array(F).fill(NaN);
  x[0] = 5;
  x[1] = 1;
  x[2] = 7; // inactive
  // A model whose score is 0.1·x0 + 0.4·x1 (0.9 here): resetting x0 (5 → 0) drops it by 0.5, x1 (1 → 0) by 0.4.
  const seen: number[] = [];
  const rescore = async (rows: Float32Array, n: number) => {
    seen.push(n);
    return Float32Array.from({ length: n }, (_, i) => 0.1 * (rows[i * F] || 0) + 0.4 * (rows[i * F + 1] || 0));
  };
  const o = new Occlusion(fill, active, 5);
  const top = await o.explain(x, { score: 0.9, errors: undefined, offset: 0 }, rescore);
  assert.deepEqual(seen, [2], 'one extra run of the two given, active features');
  assert.deepEqual(top.map((t) => t.name), [FEATURE_COLUMNS[0], FEATURE_COLUMNS[1]]);
  assert.ok(Math.abs(top[0]!.value - 0.5) < 1e-6 && Math.abs(top[1]!.value - 0.4) < 1e-6);
  assert.equal(o.fromOutputs(), undefined, 'never from outputs alone: the API skips it');
});

test('the metadata picks the method: error stats → reconstruction_z, otherwise occlusion', () => {
  const pre = { columns: [...FEATURE_COLUMNS] };
  const ae = parseModelMetadata({ kind: 'autoencoder', threshold: 1, preprocess: pre, error_stats: { mean: FEATURE_COLUMNS.map(() => 0), std: FEATURE_COLUMNS.map(() => 1) } }, 'm');
  assert.equal(explainerFor(ae).method, 'reconstruction_z');
  assert.equal(explainerFor(parseModelMetadata({ kind: 'classifier', threshold: 0.5, preprocess: pre }, 'm')).method, 'occlusion');
});
