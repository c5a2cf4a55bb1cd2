import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDistinct, distinctAdd, distinctExpire, distinctFrontTime, distinctKey } from '../../engine/distinct-values.js';

test('keys tell types apart, count null and skip what is not a scalar', () => {
  assert.notEqual(distinctKey(1), distinctKey('1'));
  assert.notEqual(distinctKey(true), distinctKey('true'));
  assert.equal(distinctKey(-0), distinctKey(0));
  assert.equal(distinctKey(1.0), distinctKey(1));
  assert.equal(typeof distinctKey(null), 'string');
  assert.equal(distinctKey(undefined), undefined);
  assert.equal(distinctKey({ a: 1 }), undefined);
  // Never an Object.prototype name, so plain-object lookups see only own keys.
  for (const v of ['constructor', '__proto__', 'toString']) assert.ok(distinctKey(v)!.includes(':'));
});

test('a value stays until its newest occurrence leaves', () => {
  const d = createDistinct('s:a', 1);
  distinctAdd(d, 's:b', 2);
  distinctAdd(d, 's:a', 3);
  assert.equal(d.size, 2);
  assert.equal(distinctFrontTime(d), 2, 'a@1 is stale: b is the first to leave');
  assert.equal(distinctExpire(d, 2), false);
  assert.equal(d.size, 1);
  assert.equal(distinctFrontTime(d), 3);
  assert.equal(distinctExpire(d, 3), true);
});

test('late occurrences count only when newer than the one known', () => {
  const d = createDistinct('n:1', 10);
  distinctAdd(d, 'n:2', 20);
  distinctAdd(d, 'n:1', 5); // older than 10: nothing changes
  assert.deepEqual(d.latest, { 'n:1': 10, 'n:2': 20 });
  distinctAdd(d, 'n:1', 15); // newer: moves, in time order
  distinctAdd(d, 'n:3', 12);
  assert.deepEqual(d.times.slice(d.head), [10, 12, 15, 20]);
  assert.equal(distinctExpire(d, 12), false);
  assert.equal(d.size, 2);
  assert.deepEqual(Object.keys(d.latest).sort(), ['n:1', 'n:2']);
});

test('the queue stays bounded by the values, not the events', () => {
  const d = createDistinct('s:x', 0);
  for (let t = 1; t < 100_000; t++) distinctAdd(d, `s:${t % 3}`, t);
  assert.equal(d.size, 4);
  assert.ok(d.times.length - d.head <= 2 * d.size + 17, `queue ${d.times.length - d.head}`);
  distinctExpire(d, 99_997);
  assert.equal(d.size, 2);
});

test('state survives a JSON round trip', () => {
  const d = createDistinct('s:a', 1);
  distinctAdd(d, 'z:', 2);
  distinctAdd(d, 's:a', 3);
  const copy = JSON.parse(JSON.stringify(d));
  assert.deepEqual(copy, d);
  distinctAdd(copy, 'b:1', 4);
  assert.equal(distinctExpire(copy, 2), false);
  assert.equal(copy.size, 2);
});
