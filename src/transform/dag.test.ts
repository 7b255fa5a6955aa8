// Tests of the model graph: topological order, cycle errors that name the cycle, --select closure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DfpError } from '../core/errors.ts';
import { findCycle, selectModels, topoOrder } from './dag.ts';

const graph = (g: Record<string, string[]>) => new Map(Object.entries(g));

test('every model comes after the models it refs; ties are alphabetical', () => {
  const deps = graph({ mart: ['feat_b', 'feat_a', 'stg'], feat_b: ['stg'], feat_a: ['stg'], stg: [], other: [] });
  assert.deepEqual(topoOrder(deps), ['other', 'stg', 'feat_a', 'feat_b', 'mart']);
});

test('a cycle is an error naming the cycle as a closed path', () => {
  assert.deepEqual(findCycle(graph({ a: ['b'], b: ['a'] })), ['a', 'b', 'a']);
  assert.deepEqual(findCycle(graph({ s: [], a: ['s', 'c'], b: ['a'], c: ['b'] })), ['a', 'c', 'b', 'a']);
  assert.deepEqual(findCycle(graph({ a: ['a'] })), ['a', 'a']);
  assert.equal(findCycle(graph({ a: [], b: ['a'] })), undefined);
  assert.throws(
    () => topoOrder(graph({ a: ['b'], b: ['a'], c: [] })),
    (e: unknown) => e instanceof DfpError && e.code === 'INPUT_INVALID' && e.message.includes('models form a cycle: a → b → a'),
  );
});

test('--select takes a model and everything upstream of it, nothing downstream', () => {
  const deps = graph({ stg: [], f1: ['stg'], f2: ['stg'], mart: ['f1', 'f2'], side: [] });
  assert.deepEqual([...selectModels(deps, ['f1'])].sort(), ['f1', 'stg']);
  assert.deepEqual([...selectModels(deps, ['mart'])].sort(), ['f1', 'f2', 'mart', 'stg']);
  assert.deepEqual([...selectModels(deps, [])].sort(), ['f1', 'f2', 'mart', 'side', 'stg']);
  assert.throws(() => selectModels(deps, ['nope']), /--select: no model 'nope'; models: f1, f2, mart, side, stg/);
});
