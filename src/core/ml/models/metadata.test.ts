// The model contract's one parser: what it refuses (saying what to do), and what it fills in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DfpError } from '../../errors.ts';
import { FEATURE_COLUMNS } from '../../kronodroid/schema.ts';
import { FEATURE_LIST_HASH } from './features.ts';
import { DEFAULT_TOP_K, metadataSummary, parseModelMetadata } from './metadata.ts';

const good = { kind: 'autoencoder', threshold: 1, preprocess: { columns: [...FEATURE_COLUMNS] }, error_stats: { mean: FEATURE_COLUMNS.map(() => 0), std: FEATURE_COLUMNS.map(() => 1) } };

test('metadata: wrong kind, threshold, feature columns or error stats are refused with what to do', () => {
  assert.equal(parseModelMetadata(good, 'm').top_k, 5);
  const bad: unknown[] = [
    null,
    { ...good, kind: 'forest' },
    { ...good, threshold: 'high' },
    { ...good, preprocess: { columns: [...FEATURE_COLUMNS].reverse() } },
    { ...good, preprocess: { columns: FEATURE_COLUMNS.slice(1) } },
    { ...good, error_stats: { mean: [1], std: [1] } },
    { ...good, error_stats: { mean: FEATURE_COLUMNS.map(() => 0), std: FEATURE_COLUMNS.map(() => 0) } },
  ];
  for (const b of bad) assert.throws(() => parseModelMetadata(b, 'model x'), (e: unknown) => e instanceof DfpError && /model x/.test(e.message));
});

test('metadata of another format or feature list is refused; the one this version writes is accepted', () => {
  const input = { name: 'x', n_features: FEATURE_COLUMNS.length, feature_list_hash: FEATURE_LIST_HASH };
  assert.equal(parseModelMetadata({ ...good, format_version: 1, input }, 'm').kind, 'autoencoder');
  assert.throws(() => parseModelMetadata({ ...good, format_version: 2 }, 'm'), (e: unknown) => e instanceof DfpError && e.code === 'INPUT_INVALID' && /retrain/.test(e.message));
  assert.throws(() => parseModelMetadata({ ...good, input: { ...input, feature_list_hash: 'other' } }, 'm'), (e: unknown) => e instanceof DfpError && e.code === 'SCHEMA_MISMATCH');
});

test('metadata: top_k and preprocess.active are filled when absent, kept when given; the summary leaves arrays out', () => {
  const parsed = parseModelMetadata(good, 'm');
  assert.equal(parsed.top_k, DEFAULT_TOP_K);
  assert.ok(parsed.preprocess.active.length === FEATURE_COLUMNS.length && parsed.preprocess.active.every(Boolean));
  const active = FEATURE_COLUMNS.map((_, j) => j !== 3);
  const given = parseModelMetadata({ ...good, top_k: 9, run_id: 'r1', preprocess: { columns: [...FEATURE_COLUMNS], active } }, 'm');
  assert.equal(given.top_k, 9);
  assert.equal(given.preprocess.active[3], false);
  assert.deepEqual(metadataSummary(given), { kind: 'autoencoder', threshold: 1, run_id: 'r1' });
});
