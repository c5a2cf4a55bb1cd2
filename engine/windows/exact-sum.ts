/**
 * Double-double arithmetic for sliding sums. A window sum is kept up to date by adding values
 * as they enter and subtracting them as they leave; in plain floating point every step
 * rounds and the errors pile up for as long as the window never empties. Keeping each sum as
 * an unevaluated pair `hi + lo` of doubles (about 106 significant bits) makes those steps
 * exact to within 2^-104 of the largest magnitude involved, so the high part is the
 * correctly rounded sum of the values in the window (bar rare ties). What such steps still
 * lose while a huge value sits among small ones is dropped by recomputing the sum from the
 * entries now and then (see the sum window in `windows.ts`).
 *
 * A pair lives in two consecutive slots of a number array (`acc[i]` high, `acc[i + 1]` low),
 * so sums stay plain data and nothing is allocated per step.
 */

/**
 * Adds the pair `hi + lo` to the pair stored at `acc[i]`, `acc[i + 1]` (pass a negated pair
 * to subtract). Afterwards `acc[i]` is the pair's value rounded to a double.
 */
export function addExact(acc: number[], i: number, hi: number, lo: number): void {
  const aHi = acc[i];
  const aLo = acc[i + 1];
  // Error-free sums of the high parts and of the low parts (Knuth's TwoSum).
  const s = aHi + hi;
  let v = s - aHi;
  let e = aHi - (s - v) + (hi - v);
  const t = aLo + lo;
  v = t - aLo;
  const f = aLo - (t - v) + (lo - v);
  // Fold the low parts in and renormalise twice (Dekker's FastTwoSum).
  e += t;
  const s2 = s + e;
  e -= s2 - s;
  e += f;
  const s3 = s2 + e;
  acc[i + 1] = e - (s3 - s2);
  acc[i] = s3;
}

/** Splits a double into two halves of at most 26 bits each whose sum is exact (Dekker). */
const SPLITTER = 134217729; // 2^27 + 1

/**
 * The pair `hi + lo` divided by `n`, correctly rounded in all but rare ties: the quotient
 * of the high part is corrected by the exact remainder, so the mean of 0.1, 0.2 and 0.3 is
 * 0.2 rather than 0.19999999999999998.
 */
export function divideExact(hi: number, lo: number, n: number): number {
  const q = hi / n;
  // q * n as an exact pair (Dekker's TwoProduct), then the remainder of the division.
  const p = q * n;
  let c = SPLITTER * q;
  const qh = c - (c - q);
  const ql = q - qh;
  c = SPLITTER * n;
  const nh = c - (c - n);
  const nl = n - nh;
  const e = qh * nh - p + qh * nl + ql * nh + ql * nl;
  const r = q + (hi - p - e + lo) / n;
  // Near the top of the double range the split overflows; the plain quotient is then as good.
  return Number.isFinite(r) ? r : q;
}
