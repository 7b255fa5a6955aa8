// A static-only model (no system-call column read): the mask that makes one, and what its metadata may say. That a
// trained one's score cannot move with a system-call input is tested on `dfp run`'s model (tests/cli/score-apk.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DfpError } from '../../errors.ts';
import { FEATURE_COLUMNS, SYSCALL_COLUMNS } from '../../kronodroid/schema.ts';
import { activeMask, isStaticOnly } from './features.ts';
import { metadataSummary, parseModelMetadata } from './metadata.ts';

const base = { kind: 'classifier', threshold: 0.5 };

test('isStaticOnly: true exactly when every system-call column is excluded', () => {
  assert.equal(isStaticOnly(activeMask(['@syscalls'])), true);
  assert.equal(isStaticOnly(activeMask(['@syscalls', '@permissions'])), true);
  assert.equal(isStaticOnly(activeMask([])), false);
  // all system calls but one: still reads one
  assert.equal(isStaticOnly(activeMask(SYSCALL_COLUMNS.slice(1))), false);
  assert.equal(isStaticOnly(activeMask(SYSCALL_COLUMNS.slice(0, -1))), false, 'nr_syscalls alone is a system-call column too');
});

test('metadata: static_only is kept, shown in the summary, and refused when the mask contradicts it', () => {
  const active = activeMask(['@syscalls']);
  const m = parseModelMetadata({ ...base, static_only: true, preprocess: { columns: [...FEATURE_COLUMNS], active } }, 'static model');
  assert.equal(m.static_only, true);
  assert.equal(metadataSummary(m).static_only, true);
  assert.equal(parseModelMetadata({ ...base, preprocess: { columns: [...FEATURE_COLUMNS] } }, 'm').static_only, undefined);
  assert.throws(
    () => parseModelMetadata({ ...base, static_only: true, preprocess: { columns: [...FEATURE_COLUMNS] } }, 'model y'),
    (e: unknown) => e instanceof DfpError && /model y: static_only is true but the model reads system-call columns/.test(e.message),
  );
  assert.throws(() => parseModelMetadata({ ...base, static_only: 'yes', preprocess: { columns: [...FEATURE_COLUMNS], active } }, 'm'), /static_only must be true or false/);
});

test('metadata: a static-only tree detector whose trees split on a system call is refused', () => {
  const active = activeMask(['@syscalls']);
  const tree = (feature: number) => ({ feature: [feature, 0, 0], threshold: [1, 0, 0], missing_left: [1, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0, 1, -1], cover: [10, 5, 5] });
  const meta = (feature: number) => ({ ...base, static_only: true, preprocess: { columns: [...FEATURE_COLUMNS], active }, trees: { ensemble: { base: 0, features: FEATURE_COLUMNS.length, trees: [tree(feature)] }, platt: { a: 1, b: 0 } } });
  const syscall = FEATURE_COLUMNS.indexOf(SYSCALL_COLUMNS[0]!);
  const permission = FEATURE_COLUMNS.indexOf('INTERNET');
  assert.equal(parseModelMetadata(meta(permission), 'm').static_only, true);
  assert.throws(() => parseModelMetadata(meta(syscall), 'tree model'), new RegExp(`tree model: static_only is true but its trees split on ${SYSCALL_COLUMNS[0]}`));
});
