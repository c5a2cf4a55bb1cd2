import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDeque, dequeAdd, dequeExpire, dequeFront, dequeFrontTime, type MonotonicDeque } from '../../../engine/windows/monotonic-deque.js';

/** Live entries as [time, value] pairs. */
function live(d: MonotonicDeque): number[][] {
  const pairs: number[][] = [];
  for (let i = d.head; i < d.buf.length; i += 2) pairs.push([d.buf[i]!, d.buf[i + 1]!]);
  return pairs;
}

test('keeps only entries that can still become the max', () => {
  const d = createDeque(0, 5);
  dequeAdd(d, 1, 3, true);
  dequeAdd(d, 2, 4, true); // drops 3
  dequeAdd(d, 2, 1, true); // same time, smaller: useless
  dequeAdd(d, 3, 4, true); // equal and later: replaces 4@2
  assert.deepEqual(live(d), [[0, 5], [3, 4]]);
  assert.equal(dequeFront(d), 5);
  assert.equal(dequeFrontTime(d), 0);
});

test('a min deque mirrors the max one', () => {
  const d = createDeque(0, 5);
  for (const [t, v] of [[1, 7], [2, 6], [3, 2], [4, 9]] as const) dequeAdd(d, t, v, false);
  assert.deepEqual(live(d), [[3, 2], [4, 9]]);
});

test('late values land in place or are dropped when dominated', () => {
  const d = createDeque(10, 9);
  dequeAdd(d, 20, 5, true);
  dequeAdd(d, 30, 2, true);
  dequeAdd(d, 25, 1, true); // 2@30 lasts longer and is larger
  assert.deepEqual(live(d), [[10, 9], [20, 5], [30, 2]]);
  dequeAdd(d, 15, 6, true); // larger than 5@20 but leaves before it: both can be the max
  assert.deepEqual(live(d), [[10, 9], [15, 6], [20, 5], [30, 2]]);
  dequeAdd(d, 30, 3, true); // same time as 2@30, larger: replaces it
  assert.deepEqual(live(d), [[10, 9], [15, 6], [20, 5], [30, 3]]);
  dequeAdd(d, 5, 100, true); // older than everything: goes first
  assert.deepEqual(live(d), [[5, 100], [10, 9], [15, 6], [20, 5], [30, 3]]);
  dequeAdd(d, 12, 200, true); // dominates what leaves before it
  assert.deepEqual(live(d), [[12, 200], [15, 6], [20, 5], [30, 3]]);
  dequeAdd(d, 20, 7, true); // dominates 6@15 and 5@20
  assert.deepEqual(live(d), [[12, 200], [20, 7], [30, 3]]);
});

test('expire drops by time and reports emptiness', () => {
  const d = createDeque(1, 3);
  dequeAdd(d, 2, 2, true);
  dequeAdd(d, 3, 1, true);
  assert.equal(dequeExpire(d, 0), false);
  assert.equal(dequeExpire(d, 1), false);
  assert.equal(dequeFront(d), 2);
  assert.equal(dequeExpire(d, 3), true);
});

test('matches a brute-force window max and min over a long stream', () => {
  for (const max of [true, false]) {
    let d: MonotonicDeque | null = null;
    let all: Array<[number, number]> = [];
    const width = 50;
    for (let i = 0; i < 20_000; i++) {
      // Mostly in order, with repeated times and late values, from a fixed pseudo-random walk.
      const now = Math.floor(i / 3);
      const late = i % 11 === 0 ? Math.floor(Math.abs(Math.sin(i)) * (width - 1)) : 0;
      const time = now - late;
      const value = Math.round(Math.sin(i * 0.37) * 100 + Math.cos(i * 1.3) * 40);
      if (time > now - width) {
        all.push([time, value]);
        if (d === null) d = createDeque(time, value);
        else dequeAdd(d, time, value, max);
      }
      if (d !== null && dequeExpire(d, now - width)) d = null;
      all = all.filter(([t]) => t > now - width);
      const inWindow = all.map(([, v]) => v);
      const want = inWindow.length === 0 ? undefined : max ? Math.max(...inWindow) : Math.min(...inWindow);
      assert.equal(d === null ? undefined : dequeFront(d), want, `step ${i}`);
    }
  }
});
