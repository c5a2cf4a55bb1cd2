/**
 * Exact distinct count over a sliding window. A value is in the window as long as its newest
 * occurrence is, so the tracker keeps, per value, only the time it was last seen, plus a
 * time-ordered queue of (time, value) entries telling when each value may leave. An entry
 * whose value was seen again later is stale and skipped; stale entries are swept once they
 * outnumber the live ones, so memory stays bounded by the values in the window and their
 * distinct timestamps, not by the events.
 */

import { dropFront, shouldCompact, upperBound } from './window-queue.js';

/**
 * Tracker state as plain data. `latest` maps a value key (see `distinctKey`) to the newest
 * time it was seen; `times`/`keys` is the queue, live from `head`; `size` counts `latest`.
 */
export interface DistinctValues {
  times: number[];
  keys: string[];
  head: number;
  latest: Record<string, number>;
  size: number;
}

/**
 * The key a value is counted under, or undefined for a value that is not counted (absent,
 * or not a scalar). Type is part of the key, so `1` and `"1"` are distinct values; `null`
 * counts. The `:` keeps every key clear of `Object.prototype` names.
 */
export function distinctKey(value: unknown): string | undefined {
  switch (typeof value) {
    case 'number':
      return 'n:' + value;
    case 'string':
      return 's:' + value;
    case 'boolean':
      return value ? 'b:1' : 'b:0';
    case 'object':
      return value === null ? 'z:' : undefined;
    default:
      return undefined;
  }
}

/** A tracker holding one value. */
export function createDistinct(key: string, time: number): DistinctValues {
  const latest: Record<string, number> = {};
  latest[key] = time;
  return { times: [time], keys: [key], head: 0, latest, size: 1 };
}

/** Records `key` seen at `time` (in any order; an earlier time is spliced into place). */
export function distinctAdd(d: DistinctValues, key: string, time: number): void {
  const seen = d.latest[key];
  if (seen !== undefined && seen >= time) return;
  if (seen === undefined) d.size++;
  d.latest[key] = time;
  const { times, keys } = d;
  const n = times.length;
  if (times[n - 1] <= time) {
    times.push(time);
    keys.push(key);
  } else {
    const at = upperBound(times, d.head, time);
    times.splice(at, 0, time);
    keys.splice(at, 0, key);
  }
  if (n + 1 - d.head > 2 * d.size + 16) sweepStale(d);
}

/** Drops the queue's stale entries, keeping order. */
function sweepStale(d: DistinctValues): void {
  const { times, keys, latest } = d;
  let j = 0;
  for (let i = d.head; i < times.length; i++) {
    const key = keys[i];
    if (latest[key] === times[i]) {
      times[j] = times[i];
      keys[j] = key;
      j++;
    }
  }
  times.length = j;
  keys.length = j;
  d.head = 0;
}

/**
 * Forgets values whose newest occurrence is at or before `cutoff`, and skips stale entries
 * at the front so the front always names the next value to leave. Returns true when no
 * value is left.
 */
export function distinctExpire(d: DistinctValues, cutoff: number): boolean {
  const { times, keys, latest } = d;
  const n = times.length;
  let h = d.head;
  while (h < n) {
    const key = keys[h];
    const time = times[h];
    if (latest[key] === time) {
      if (time > cutoff) break;
      delete latest[key];
      d.size--;
    }
    h++;
  }
  if (h === n) return true;
  if (shouldCompact(h, n)) {
    dropFront(times, h);
    dropFront(keys, h);
    h = 0;
  }
  d.head = h;
  return false;
}

/** Time at which the next value leaves: that of the first live entry. */
export function distinctFrontTime(d: DistinctValues): number {
  const { times, keys, latest } = d;
  let h = d.head;
  // Only entries made stale since the last expire can precede the first live one.
  while (latest[keys[h]] !== times[h]) h++;
  return times[h];
}
