/**
 * Monotonic deque for sliding min and max: keeps, in time order, only the entries that can
 * still become the window's extreme. An entry is dropped as soon as an entry at the same
 * time or later is at least as extreme (it would leave the window no earlier), so the front
 * is always the extreme of the window and each entry is pushed and removed once: amortised
 * O(1) per event, memory bounded by the distinct timestamps in the window.
 */

import { dropFront, lowerBound, shouldCompact } from './window-queue.js';

/**
 * Deque state as plain data: `times` ascending, `values` strictly decreasing from the front
 * for a max (increasing for a min), live from `head` on; never empty while it exists.
 */
export interface MonotonicDeque {
  times: number[];
  values: number[];
  head: number;
}

/** A one-entry deque. */
export function createDeque(time: number, value: number): MonotonicDeque {
  return { times: [time], values: [value], head: 0 };
}

/** `a` is at least as extreme as `b`: `>=` for a max deque, `<=` for a min deque. */
function covers(a: number, b: number, max: boolean): boolean {
  return max ? a >= b : a <= b;
}

/**
 * Adds `value` at `time`. Times usually arrive non-decreasing (pop dominated entries from the
 * back, push); an earlier time is spliced into its place in O(window entries).
 */
export function dequeAdd(d: MonotonicDeque, time: number, value: number, max: boolean): void {
  const { times, values } = d;
  let n = times.length;
  const lastTime = times[n - 1];
  if (time >= lastTime) {
    if (time === lastTime && covers(values[n - 1], value, max)) return;
    while (n > d.head && covers(value, values[n - 1], max)) {
      times.pop();
      values.pop();
      n--;
    }
    times.push(time);
    values.push(value);
    return;
  }
  // A late value. Entries at or after `time` run from `at`; values[at] is the most extreme of
  // them, so if it covers `value` the new entry could never be the extreme.
  const at = lowerBound(times, d.head, time);
  if (covers(values[at], value, max)) return;
  // Otherwise entries at exactly `time`, and earlier entries `value` covers, are dominated.
  let end = at;
  while (times[end] === time) end++;
  let start = at;
  while (start > d.head && covers(value, values[start - 1], max)) start--;
  times.splice(start, end - start, time);
  values.splice(start, end - start, value);
}

/** Drops entries with time `<= cutoff`; returns true when the deque is left empty. */
export function dequeExpire(d: MonotonicDeque, cutoff: number): boolean {
  const { times } = d;
  let h = d.head;
  if (times[h] > cutoff) return false;
  const n = times.length;
  while (h < n && times[h] <= cutoff) h++;
  if (h === n) return true;
  if (shouldCompact(h, n)) {
    dropFront(times, h);
    dropFront(d.values, h);
    h = 0;
  }
  d.head = h;
  return false;
}

/** The extreme of the window: the front value. */
export function dequeFront(d: MonotonicDeque): number {
  return d.values[d.head];
}

/** Time of the front entry: when it leaves, the extreme changes. */
export function dequeFrontTime(d: MonotonicDeque): number {
  return d.times[d.head];
}
