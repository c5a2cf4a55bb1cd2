import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CmpOp } from '../../engine/cmp-op.js';
import { arith, compareValues, isMissing, isNumericString, toNumber } from '../../engine/values.js';

const OPS: readonly CmpOp[] = ['==', '!=', '<', '<=', '>', '>='];

/** The operators for which `a OP b` holds. */
function holding(a: unknown, b: unknown): CmpOp[] {
  return OPS.filter((op) => compareValues(a, op, b));
}

test('undefined and null are missing; falsy values are not', () => {
  assert.equal(isMissing(undefined), true);
  assert.equal(isMissing(null), true);
  for (const v of [0, '', false, Number.NaN, [], {}]) assert.equal(isMissing(v), false, String(v));
});

test('numeric strings are decimal numbers, optionally signed, with fraction, exponent and surrounding blanks', () => {
  for (const s of ['12', '-1.5', '+3', '.5', '1.', '1e6', '1E-3', ' -1.5e3 ', '\t7\n', '007']) {
    assert.equal(isNumericString(s), true, JSON.stringify(s));
  }
  for (const s of ['', ' ', 'abc', '12abc', '1 2', '0x10', '0b1', 'Infinity', '-Infinity', 'NaN', '1,5', '1e', 'e5', '.', '--1', '1_000']) {
    assert.equal(isNumericString(s), false, JSON.stringify(s));
  }
});

test('toNumber reads finite numbers and numeric strings, and nothing else', () => {
  assert.equal(toNumber(5), 5);
  assert.equal(toNumber(-0.25), -0.25);
  assert.equal(toNumber('  12 '), 12);
  assert.equal(toNumber('1e3'), 1000);
  assert.equal(toNumber('-.5'), -0.5);
  for (const v of ['abc', '', true, false, null, undefined, {}, [], [1], Number.NaN, Infinity, -Infinity]) {
    assert.equal(toNumber(v), undefined, String(v));
  }
});

test('a numeric string too large for a double is not a number (it would read as Infinity)', () => {
  assert.equal(toNumber('1e999'), undefined);
  assert.equal(toNumber('-1e999'), undefined);
  assert.equal(compareValues('1e999', '>', 5), false);
  assert.equal(arith('1e999', '-', '1e999'), undefined);
});

test('every operator on two numbers', () => {
  assert.deepEqual(holding(1, 2), ['!=', '<', '<=']);
  assert.deepEqual(holding(2, 2), ['==', '<=', '>=']);
  assert.deepEqual(holding(3, 2), ['!=', '>', '>=']);
  assert.deepEqual(holding(-1.5, -1.25), ['!=', '<', '<=']);
  assert.deepEqual(holding(0, -0), ['==', '<=', '>=']);
});

test('a number and a numeric string compare as numbers, from either side', () => {
  assert.deepEqual(holding(200, '200'), ['==', '<=', '>=']);
  assert.deepEqual(holding('200', 200), ['==', '<=', '>=']);
  assert.deepEqual(holding('1e3', 1000), ['==', '<=', '>=']);
  assert.deepEqual(holding(' 12 ', 12), ['==', '<=', '>=']);
  assert.deepEqual(holding(9, '10'), ['!=', '<', '<=']);
  assert.deepEqual(holding('10', 9), ['!=', '>', '>=']);
  assert.deepEqual(holding('-3', -2.5), ['!=', '<', '<=']);
});

test('two strings compare as strings, even when both look numeric', () => {
  assert.deepEqual(holding('abc', 'abd'), ['!=', '<', '<=']);
  assert.deepEqual(holding('web1', 'web1'), ['==', '<=', '>=']);
  // Only a number against a numeric string compares numerically.
  assert.deepEqual(holding('10', '9'), ['!=', '<', '<=']);
  assert.equal(compareValues('1.0', '==', '1'), false);
});

test('values of different types are never equal and never ordered; != holds between them', () => {
  const pairs: [unknown, unknown][] = [
    [5, 'abc'],
    ['abc', 5],
    [0, ''],
    ['', 0],
    [1, true],
    [true, 1],
    [true, 'true'],
    ['false', false],
    [0, false],
    [5, '0x5'],
  ];
  for (const [a, b] of pairs) assert.deepEqual(holding(a, b), ['!='], `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
});

test('booleans are equal only to the same boolean', () => {
  assert.equal(compareValues(true, '==', true), true);
  assert.equal(compareValues(false, '==', false), true);
  assert.equal(compareValues(true, '==', false), false);
  assert.equal(compareValues(true, '!=', false), true);
});

test('every comparison with a missing value is false, != included', () => {
  const present: unknown[] = [0, 1, '', 'x', '5', true, false];
  for (const missing of [undefined, null]) {
    for (const v of present) {
      assert.deepEqual(holding(missing, v), [], `${String(missing)} vs ${JSON.stringify(v)}`);
      assert.deepEqual(holding(v, missing), [], `${JSON.stringify(v)} vs ${String(missing)}`);
    }
  }
  assert.deepEqual(holding(undefined, undefined), []);
  assert.deepEqual(holding(null, null), []);
  assert.deepEqual(holding(null, undefined), []);
});

test('arithmetic on numbers and numeric strings', () => {
  assert.equal(arith(2, '+', 3), 5);
  assert.equal(arith(2, '-', 3), -1);
  assert.equal(arith(2, '*', 3), 6);
  assert.equal(arith(3, '/', 2), 1.5);
  assert.equal(arith('2', '*', '3'), 6);
  assert.equal(arith(' 10 ', '/', 4), 2.5);
  assert.equal(arith(-1, '*', 0.5), -0.5);
});

test('arithmetic with a missing or non-numeric operand is missing', () => {
  for (const bad of [undefined, null, 'abc', '', true, {}]) {
    for (const op of ['+', '-', '*', '/'] as const) {
      assert.equal(arith(bad, op, 2), undefined, `${String(bad)} ${op} 2`);
      assert.equal(arith(2, op, bad), undefined, `2 ${op} ${String(bad)}`);
    }
  }
});

test('division by zero is missing, whatever the dividend', () => {
  assert.equal(arith(1, '/', 0), undefined);
  assert.equal(arith(-1, '/', 0), undefined);
  assert.equal(arith(0, '/', 0), undefined);
  assert.equal(arith('4', '/', '0'), undefined);
  assert.equal(arith(4, '/', -0), undefined);
  assert.equal(arith(4, '/', ' 0.0 '), undefined);
  // Zero divided by something is fine.
  assert.equal(arith(0, '/', 4), 0);
});

test('arithmetic that overflows the double range is missing', () => {
  assert.equal(arith(1e308, '*', 10), undefined);
  assert.equal(arith(-1e308, '-', 1e308), undefined);
  assert.equal(arith(1e308, '/', 1e-10), undefined);
});
