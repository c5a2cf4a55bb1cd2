import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addExact, divideExact } from '../../../engine/windows/exact-sum.js';

function sumOf(values: number[]): number[] {
  const acc = [0, 0];
  for (const v of values) addExact(acc, 0, v, 0);
  return acc;
}

test('the high part is the correctly rounded sum', () => {
  assert.equal(sumOf([0.1, 0.2, 0.3])[0], 0.6); // one by one: 0.6000000000000001
  assert.equal(sumOf(Array(10).fill(0.1))[0], 1); // one by one: 0.9999999999999999
  assert.equal(sumOf([1e16, 1, 1, 1, 1])[0], 1e16 + 4);
});

test('subtracting what was added gives back the exact rest', () => {
  const acc = sumOf([1e16, 1, 0.5, 3]);
  addExact(acc, 0, -1e16, 0);
  assert.deepEqual(acc, [4.5, 0]);
  const pairs = [0, 0, 0, 0];
  addExact(pairs, 2, 0.1, 0);
  addExact(pairs, 2, 0.2, 0);
  const total = sumOf([0.1, 0.2, 0.7]);
  addExact(total, 0, -pairs[2]!, -pairs[3]!);
  assert.deepEqual(total, [0.7, 0]);
  assert.deepEqual(pairs.slice(0, 2), [0, 0], 'other slots untouched');
});

test('divideExact rounds the quotient of the pair correctly', () => {
  const acc = sumOf([0.1, 0.2, 0.3]);
  assert.equal(acc[0]! / 3, 0.19999999999999998);
  assert.equal(divideExact(acc[0]!, acc[1]!, 3), 0.2);
  assert.equal(divideExact(7, 0, 2), 3.5);
  assert.equal(divideExact(-9, 0, 3), -3);
  assert.equal(divideExact(1e308, 0, 1), 1e308);
  assert.equal(divideExact(1.7e308, 0, 3), 1.7e308 / 3);
});
