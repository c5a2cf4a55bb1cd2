import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDistinct, distinctAdd, distinctExpire, distinctFrontTime, type DistinctValues } from '../../../engine/windows/distinct-values.js';

test('values are told apart by type and value', () => {
  const d = createDistinct(1, 1);
  for (const v of ['1', 1, true, 'true', null, 'null', 1.0, -0, 0, 'NaN']) distinctAdd(d, v, 1, -1);
  assert.equal(d.size, 8); // 1, "1", true, "true", null, "null", 0, "NaN"
});

test('strings named like Object.prototype members are ordinary values', () => {
  const d = createDistinct('__proto__', 1);
  for (const v of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) distinctAdd(d, v, 2, -1);
  assert.equal(d.size, 4);
  // Restored from JSON, the tables are ordinary objects again, with Object.prototype.
  const copy: DistinctValues = JSON.parse(JSON.stringify(d));
  assert.equal(Object.getPrototypeOf(copy.strings), Object.prototype);
  assert.equal(copy.strings.__proto__, 2);
  assert.equal(copy.size, 4);
  distinctAdd(copy, 'valueOf', 2, -1);
  assert.equal(copy.size, 5);
  distinctAdd(copy, '__proto__', 3, -1);
  assert.equal(copy.size, 5);
  assert.equal(distinctExpire(copy, 2), false);
  assert.equal(copy.size, 1);
  assert.equal(distinctExpire(copy, 3), true);
});

test('a value stays until its newest occurrence leaves', () => {
  const d = createDistinct('a', 1);
  distinctAdd(d, 'b', 2, -1);
  distinctAdd(d, 'a', 3, -1);
  assert.equal(d.size, 2);
  assert.equal(distinctFrontTime(d), 2, 'a@1 is stale: b is the first to leave');
  assert.equal(distinctExpire(d, 2), false);
  assert.equal(d.size, 1);
  assert.equal(distinctFrontTime(d), 3);
  assert.equal(distinctExpire(d, 3), true);
});

test('late occurrences count only when newer than the one known', () => {
  const d = createDistinct(1, 10);
  distinctAdd(d, 2, 20, -1);
  distinctAdd(d, 1, 5, -1); // older than 10: nothing changes
  assert.deepEqual({ ...d.others }, { 1: 10, 2: 20 });
  distinctAdd(d, 1, 15, -1); // newer: moves, in time order
  distinctAdd(d, 3, 12, -1);
  assert.deepEqual(d.times.slice(d.head), [10, 12, 15, 20]);
  assert.equal(distinctExpire(d, 12), false);
  assert.equal(d.size, 2);
  assert.equal(d.dead, 1, '3 left: its key stays, marked by its time');
  assert.deepEqual({ ...d.others }, { 1: 15, 2: 20, 3: 12 });
});

test('values that leave and come back are counted again; dead keys are dropped in bulk', () => {
  const d = createDistinct('a', 1);
  distinctAdd(d, 'b', 2, -1);
  assert.equal(distinctExpire(d, 1), false);
  assert.equal(d.size, 1);
  distinctAdd(d, 'a', 3, 1);
  assert.equal(d.size, 2);
  assert.equal(d.dead, 0);
  // A stream of ever-new values over a short window: the tables stay small.
  for (let t = 4; t < 10_000; t++) {
    distinctAdd(d, `v${t}`, t, t - 11);
    distinctExpire(d, t - 10);
  }
  assert.equal(d.size, 10);
  assert.ok(Object.keys(d.strings).length <= 2 * d.size + 17, `${Object.keys(d.strings).length} keys`);
});

test('the queue stays bounded by the values, not the events', () => {
  const d = createDistinct('x', 0);
  for (let t = 1; t < 100_000; t++) distinctAdd(d, t % 3, t, -1);
  assert.equal(d.size, 4);
  assert.ok(d.times.length - d.head <= 2 * d.size + 17, `queue ${d.times.length - d.head}`);
  distinctExpire(d, 99_997);
  assert.equal(d.size, 2);
});

test('state survives a JSON round trip', () => {
  const d = createDistinct('a', 1);
  distinctAdd(d, null, 2, -1);
  distinctAdd(d, 'a', 3, -1);
  const copy: DistinctValues = JSON.parse(JSON.stringify(d));
  assert.equal(JSON.stringify(copy), JSON.stringify(d));
  distinctAdd(copy, true, 4, -1);
  assert.equal(distinctExpire(copy, 2), false);
  assert.equal(copy.size, 2);
});
