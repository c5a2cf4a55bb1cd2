import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropFront, lowerBound, shouldCompact, upperBound } from '../../../engine/windows/window-queue.js';

test('lowerBound and upperBound find the run of an equal time, from a head index on', () => {
  const times = [1, 3, 3, 3, 7, 9];
  assert.equal(lowerBound(times, 0, 3), 1);
  assert.equal(upperBound(times, 0, 3), 4);
  assert.equal(lowerBound(times, 0, 0), 0);
  assert.equal(lowerBound(times, 0, 4), 4);
  assert.equal(upperBound(times, 0, 9), 6);
  assert.equal(lowerBound(times, 0, 10), 6);
  // Entries before the head are not searched.
  assert.equal(lowerBound(times, 2, 1), 2);
  assert.equal(upperBound(times, 5, 3), 5);
  assert.equal(lowerBound([], 0, 5), 0);
});

test('with a stride, bounds are element indices of whole entries', () => {
  const buf = [1, 10, 3, 30, 3, 31, 7, 70];
  assert.equal(lowerBound(buf, 0, 3, 2), 2);
  assert.equal(upperBound(buf, 0, 3, 2), 6);
  assert.equal(lowerBound(buf, 0, 8, 2), 8);
  assert.equal(lowerBound(buf, 4, 0, 2), 4);
  // Values that look like times are never read as times.
  assert.equal(lowerBound(buf, 0, 30, 2), 8);
});

test('compaction waits until the consumed prefix outweighs the live part', () => {
  assert.equal(shouldCompact(0, 0), false);
  assert.equal(shouldCompact(20, 24), false); // too few to bother
  assert.equal(shouldCompact(32, 80), false);
  assert.equal(shouldCompact(40, 80), true);
  assert.equal(shouldCompact(100, 101), true);
});

test('dropFront removes a prefix in place', () => {
  const xs = [1, 2, 3, 4, 5];
  const same = xs;
  dropFront(xs, 2);
  assert.equal(xs, same);
  assert.deepEqual(xs, [3, 4, 5]);
  dropFront(xs, 3);
  assert.deepEqual(xs, []);
  const keys = ['a', 'b'];
  dropFront(keys, 1);
  assert.deepEqual(keys, ['b']);
});
