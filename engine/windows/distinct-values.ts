/**
 * Exact distinct count over a sliding window. A value is in the window as long as its newest
 * occurrence is, so the tracker keeps, per value, only the time it was last seen, plus a
 * time-ordered queue of (time, value) entries telling when each value may leave. An entry
 * whose value was seen again later is stale and skipped; stale entries are swept once they
 * outnumber the live ones, so memory stays bounded by the values in the window and their
 * distinct timestamps, not by the events.
 *
 * A value that leaves stays in its table with its old time (at or before the cutoff, which
 * marks it gone) until such dead keys outnumber the live ones: values come back all the
 * time, and deleting and re-adding hash-table keys on every turn costs more than the check.
 *
 * Values are told apart by type and value (`1` and `"1"` differ; null counts). Strings are
 * looked up by themselves, in a table of their own, so the common case builds no key
 * string; numbers, booleans and null share a second table under `String(value)`, where the
 * type cannot be mistaken ("12", "true" and "null" are never the same value).
 */

import { dropFront, shouldCompact, upperBound } from './window-queue.js';

/** A value `distinct` counts: a scalar; numbers finite (no event carries NaN or infinities). */
export type DistinctValue = string | number | boolean | null;

/**
 * Tracker state as plain data. `strings`/`others` map a value's key to the newest time it was
 * seen (`others` is created on the first non-string); `times`/`values` is the queue, live
 * from `head`; `size` counts the values in the window, `dead` the keys of values that left.
 */
export interface DistinctValues {
  times: number[];
  values: DistinctValue[];
  head: number;
  strings: Record<string, number>;
  others: Record<string, number> | null;
  size: number;
  dead: number;
}

/**
 * A new value table. Without a prototype V8 makes it a hash table from the start, instead
 * of deriving a hidden class per order in which each group happened to see its values.
 */
function newTable(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
}

/** The table holding `value`, created if `create` and missing. */
function tableOf(d: DistinctValues, value: DistinctValue, create: boolean): Record<string, number> | null {
  if (typeof value === 'string') return d.strings;
  if (d.others === null && create) d.others = newTable();
  return d.others;
}

/** The key of `value` in its table. */
function keyOf(value: DistinctValue): string {
  return typeof value === 'string' ? value : String(value);
}

/** The newest time of `key`, or undefined; inherited members of a plain object are not numbers. */
function timeOf(table: Record<string, number>, key: string): number | undefined {
  const time = table[key];
  return typeof time === 'number' ? time : undefined;
}

function setTime(table: Record<string, number>, key: string, time: number): void {
  // Assigning `__proto__` would set the prototype instead of a property.
  if (key === '__proto__') Object.defineProperty(table, key, { value: time, writable: true, enumerable: true, configurable: true });
  else table[key] = time;
}

/** A tracker holding one value. */
export function createDistinct(value: DistinctValue, time: number): DistinctValues {
  const d: DistinctValues = { times: [time], values: [value], head: 0, strings: newTable(), others: null, size: 1, dead: 0 };
  setTime(tableOf(d, value, true)!, keyOf(value), time);
  return d;
}

/**
 * Records `value` seen at `time`, after `cutoff` (the window's last expiry; times arrive in
 * any order, an earlier one is spliced into place).
 */
export function distinctAdd(d: DistinctValues, value: DistinctValue, time: number, cutoff: number): void {
  const table = tableOf(d, value, true)!;
  const key = keyOf(value);
  const seen = timeOf(table, key);
  if (seen !== undefined && seen > cutoff) {
    if (seen >= time) return;
  } else {
    d.size++;
    if (seen !== undefined) d.dead--;
  }
  setTime(table, key, time);
  const { times, values } = d;
  const n = times.length;
  if (times[n - 1] <= time) {
    times.push(time);
    values.push(value);
  } else {
    const at = upperBound(times, d.head, time);
    times.splice(at, 0, time);
    values.splice(at, 0, value);
  }
  if (n + 1 - d.head > 2 * d.size + 16) sweepStale(d);
}

/** Whether queue entry `i` is its value's newest occurrence. */
function isLive(d: DistinctValues, i: number): boolean {
  const value = d.values[i];
  const table = tableOf(d, value, false);
  return table !== null && timeOf(table, keyOf(value)) === d.times[i];
}

/** Drops the queue's stale entries, keeping order. */
function sweepStale(d: DistinctValues): void {
  const { times, values } = d;
  let j = 0;
  for (let i = d.head; i < times.length; i++) {
    if (!isLive(d, i)) continue;
    times[j] = times[i];
    values[j] = values[i];
    j++;
  }
  times.length = j;
  values.length = j;
  d.head = 0;
}

/**
 * Forgets values whose newest occurrence is at or before `cutoff`, and skips stale entries
 * at the front so the front always names the next value to leave. Returns true when no
 * value is left.
 */
export function distinctExpire(d: DistinctValues, cutoff: number): boolean {
  const { times, values } = d;
  const n = times.length;
  let h = d.head;
  for (; h < n; h++) {
    if (!isLive(d, h)) continue;
    if (times[h] > cutoff) break;
    d.size--;
    d.dead++;
  }
  if (h === n) return true;
  if (shouldCompact(h, n)) {
    dropFront(times, h);
    dropFront(values, h);
    h = 0;
  }
  d.head = h;
  if (d.dead > d.size + 16) dropDead(d, cutoff);
  return false;
}

/** Rebuilds the tables without the values that left. */
function dropDead(d: DistinctValues, cutoff: number): void {
  d.strings = liveKeys(d.strings, cutoff);
  if (d.others !== null) d.others = liveKeys(d.others, cutoff);
  d.dead = 0;
}

function liveKeys(table: Record<string, number>, cutoff: number): Record<string, number> {
  const live = newTable();
  for (const key in table) {
    const time = table[key];
    if (time > cutoff) setTime(live, key, time);
  }
  return live;
}

/** Time at which the next value leaves: that of the first live entry. */
export function distinctFrontTime(d: DistinctValues): number {
  let h = d.head;
  // Only entries made stale since the last expire can precede the first live one.
  while (!isLive(d, h)) h++;
  return d.times[h];
}
