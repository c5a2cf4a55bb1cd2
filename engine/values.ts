/**
 * Value semantics shared by predicates, thresholds and aggregates (language spec, "Events
 * and fields"): null and absent are *missing*, and every comparison with a missing value is
 * false (`!=` too); a number and a numeric string compare as numbers; otherwise values of
 * different types are never equal and never ordered.
 */

import type { CmpOp } from './cmp-op.js';

const NUMERIC = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

/** True for a string that reads as a decimal number (`"12"`, `" -1.5e3 "`). */
export function isNumericString(s: string): boolean {
  return NUMERIC.test(s);
}

/** The number a value stands for (a number, or a numeric string), else undefined. */
export function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && NUMERIC.test(v)) {
    // "1e999" reads as Infinity, which no aggregate or comparison may see.
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** True when `v` is missing: absent or null. */
export function isMissing(v: unknown): v is undefined | null {
  return v === undefined || v === null;
}

/**
 * Equality under the language's rules; undefined when either side is missing (so both
 * `==` and `!=` are false), false for different types.
 */
function equal(a: unknown, b: unknown): boolean | undefined {
  if (isMissing(a) || isMissing(b)) return undefined;
  const ta = typeof a;
  const tb = typeof b;
  if (ta === tb) return a === b;
  if (ta === 'number' && tb === 'string') return isNumericString(b as string) && a === Number(b);
  if (ta === 'string' && tb === 'number') return isNumericString(a as string) && Number(a) === b;
  return false;
}

/** Ordering under the language's rules; undefined when the values are not ordered. */
function order(a: unknown, b: unknown): number | undefined {
  if (isMissing(a) || isMissing(b)) return undefined;
  const ta = typeof a;
  const tb = typeof b;
  if (ta === 'number' || tb === 'number') {
    const x = toNumber(a);
    const y = toNumber(b);
    if (x === undefined || y === undefined) return undefined;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (ta === 'string' && tb === 'string') return a === b ? 0 : (a as string) < (b as string) ? -1 : 1;
  if (ta === 'boolean' && tb === 'boolean') return a === b ? 0 : a ? 1 : -1;
  return undefined;
}

/** `a OP b` under the language's rules. */
export function compareValues(a: unknown, op: CmpOp, b: unknown): boolean {
  switch (op) {
    case '==':
      return equal(a, b) === true;
    case '!=':
      return equal(a, b) === false;
    case '<': {
      const o = order(a, b);
      return o !== undefined && o < 0;
    }
    case '<=': {
      const o = order(a, b);
      return o !== undefined && o <= 0;
    }
    case '>': {
      const o = order(a, b);
      return o !== undefined && o > 0;
    }
    case '>=': {
      const o = order(a, b);
      return o !== undefined && o >= 0;
    }
  }
}

/** Arithmetic under the language's rules: non-numbers and division by zero give missing. */
export function arith(a: unknown, op: '+' | '-' | '*' | '/', b: unknown): number | undefined {
  const x = toNumber(a);
  const y = toNumber(b);
  if (x === undefined || y === undefined) return undefined;
  let r: number;
  switch (op) {
    case '+':
      r = x + y;
      break;
    case '-':
      r = x - y;
      break;
    case '*':
      r = x * y;
      break;
    case '/':
      if (y === 0) return undefined;
      r = x / y;
      break;
  }
  return Number.isFinite(r) ? r : undefined;
}
