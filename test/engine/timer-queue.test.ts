import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TimerQueue } from '../../engine/timer-queue.js';

test('pops timers in due order, ties in insertion order', () => {
  const q = new TimerQueue();
  const fired: string[] = [];
  q.push(30, () => fired.push('c'));
  q.push(10, () => fired.push('a1'));
  q.push(20, () => fired.push('b'));
  q.push(10, () => fired.push('a2'));
  for (let t = q.popDue(100); t !== undefined; t = q.popDue(100)) t.fire();
  assert.deepEqual(fired, ['a1', 'a2', 'b', 'c']);
  assert.equal(q.size, 0);
});

test('does not pop timers that are not due, and skips cancelled ones', () => {
  const q = new TimerQueue();
  const cancel = q.push(5, () => assert.fail('cancelled timer fired'));
  q.push(7, () => {});
  cancel();
  cancel();
  assert.equal(q.size, 1);
  assert.equal(q.popDue(6), undefined);
  assert.equal(q.peekDue(), 7);
  assert.equal(q.popDue(7)?.due, 7);
});

test('stays ordered under many random pushes', () => {
  const q = new TimerQueue();
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const dues: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const due = Math.floor(rand() * 500);
    dues.push(due);
    q.push(due, () => {});
  }
  const popped: number[] = [];
  for (let t = q.popDue(1000); t !== undefined; t = q.popDue(1000)) popped.push(t.due);
  assert.deepEqual(popped, dues.sort((a, b) => a - b));
});
