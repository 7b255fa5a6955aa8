// Broadcasting rules used to size gradients of broadcast operands.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { broadcastAxes, broadcastShapes, normAxes, staticSize } from './shape.ts';

test('broadcastShapes follows numpy rules, with symbolic dims', () => {
  assert.deepEqual(broadcastShapes([3, 4], [4]), [3, 4]);
  assert.deepEqual(broadcastShapes(['N', 1], [1, 5]), ['N', 5]);
  assert.deepEqual(broadcastShapes([], [2, 2]), [2, 2]);
  assert.throws(() => broadcastShapes([3], [4]), /do not broadcast/);
});

test('broadcastAxes names the axes a gradient must be summed over', () => {
  assert.deepEqual(broadcastAxes([4], [3, 4]), { leading: [0], kept: [] });
  assert.deepEqual(broadcastAxes([3, 1], [3, 4]), { leading: [], kept: [1] });
  assert.deepEqual(broadcastAxes([1, 4], ['N', 4]), { leading: [], kept: [0] });
  assert.deepEqual(broadcastAxes([], [2, 3]), { leading: [0, 1], kept: [] });
});

test('staticSize and normAxes', () => {
  assert.equal(staticSize([2, 3]), 6);
  assert.equal(staticSize(['N', 3]), undefined);
  assert.deepEqual(normAxes([-1, 0, -1], 3), [0, 2]);
  assert.deepEqual(normAxes(undefined, 2), [0, 1]);
});
