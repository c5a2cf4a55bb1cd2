import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDistinct, distinctAdd, distinctExpire, distinctFrontTime, type DistinctValues } from '../../engine/distinct-values.js';

test('values are told apart by type and value', () => {
  const d = createDistinct(1, 1);
  for (const v of ['1', 1, true, 'true', null, 'null', 1.0, -0, 0, 'NaN']) distinctAdd(d, v, 1);
  assert.equal(d.size, 8); // 1, "1", true, "true", null, "null", 0, "NaN"
});

test('strings named like Object.prototype members are ordinary values', () => {
  const d = createDistinct('__proto__', 1);
  for (const v of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) distinctAdd(d, v, 2);
  assert.equal(d.size, 4);
  // Restored from JSON, the tables are ordinary objects again, with Object.prototype.
  const copy: DistinctValues = JSON.parse(JSON.stringify(d));
  assert.equal(Object.getPrototypeOf(copy.strings), Object.prototype);
  assert.equal(copy.strings.__proto__, 2);
  assert.equal(copy.size, 4);
  distinctAdd(copy, 'valueOf', 2);
  assert.equal(copy.size, 5);
  distinctAdd(copy, '__proto__', 3);
  assert.equal(copy.size, 5);
  assert.equal(distinctExpire(copy, 2), false);
  assert.equal(copy.size, 1);
  assert.equal(distinctExpire(copy, 3), true);
});

test('a value stays until its newest occurrence leaves', () => {
  const d = createDistinct('a', 1);
  distinctAdd(d, 'b', 2);
  distinctAdd(d, 'a', 3);
  assert.equal(d.size, 2);
  assert.equal(distinctFrontTime(d), 2, 'a@1 is stale: b is the first to leave');
  assert.equal(distinctExpire(d, 2), false);
  assert.equal(d.size, 1);
  assert.equal(distinctFrontTime(d), 3);
  assert.equal(distinctExpire(d, 3), true);
});

test('late occurrences count only when newer than the one known', () => {
  const d = createDistinct(1, 10);
  distinctAdd(d, 2, 20);
  distinctAdd(d, 1, 5); // older than 10: nothing changes
  assert.deepEqual({ ...d.others }, { 1: 10, 2: 20 });
  distinctAdd(d, 1, 15); // newer: moves, in time order
  distinctAdd(d, 3, 12);
  assert.deepEqual(d.times.slice(d.head), [10, 12, 15, 20]);
  assert.equal(distinctExpire(d, 12), false);
  assert.equal(d.size, 2);
  assert.deepEqual(Object.keys(d.others!).sort(), ['1', '2']);
});

test('the queue stays bounded by the values, not the events', () => {
  const d = createDistinct('x', 0);
  for (let t = 1; t < 100_000; t++) distinctAdd(d, t % 3, t);
  assert.equal(d.size, 4);
  assert.ok(d.times.length - d.head <= 2 * d.size + 17, `queue ${d.times.length - d.head}`);
  distinctExpire(d, 99_997);
  assert.equal(d.size, 2);
});

test('state survives a JSON round trip', () => {
  const d = createDistinct('a', 1);
  distinctAdd(d, null, 2);
  distinctAdd(d, 'a', 3);
  const copy: DistinctValues = JSON.parse(JSON.stringify(d));
  assert.equal(JSON.stringify(copy), JSON.stringify(d));
  distinctAdd(copy, true, 4);
  assert.equal(distinctExpire(copy, 2), false);
  assert.equal(copy.size, 2);
});
