import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../engine/virtual-clock.js';

test('advance fires due timers in order, each seeing its own due time', () => {
  const clock = new VirtualClock(1000);
  const seen: [string, number][] = [];
  clock.at(1500, () => seen.push(['b', clock.now()]));
  clock.at(1200, () => seen.push(['a', clock.now()]));
  clock.at(2500, () => seen.push(['late', clock.now()]));
  clock.advance(2000);
  assert.deepEqual(seen, [
    ['a', 1200],
    ['b', 1500],
  ]);
  assert.equal(clock.now(), 2000);
  assert.equal(clock.pending, 1);
});

test('a timer due exactly at the target fires during the advance', () => {
  const clock = new VirtualClock(0);
  let fired = false;
  clock.at(100, () => (fired = true));
  clock.advance(100);
  assert.equal(fired, true);
});

test('timers set while firing are honoured in the same advance', () => {
  const clock = new VirtualClock(0);
  const seen: number[] = [];
  clock.at(10, () => {
    seen.push(clock.now());
    clock.at(20, () => seen.push(clock.now()));
    clock.at(5, () => seen.push(clock.now()));
  });
  clock.advance(30);
  assert.deepEqual(seen, [10, 10, 20]);
});

test('never moves backwards and cancels cleanly', () => {
  const clock = new VirtualClock(50);
  const cancel = clock.at(60, () => assert.fail('cancelled'));
  cancel();
  clock.advance(40);
  assert.equal(clock.now(), 50);
  clock.advance(70);
  assert.equal(clock.now(), 70);
});
