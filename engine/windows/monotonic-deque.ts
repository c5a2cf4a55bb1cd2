/**
 * Monotonic deque for sliding min and max: keeps, in time order, only the entries that can
 * still become the window's extreme. An entry is dropped as soon as an entry at the same
 * time or later is at least as extreme (it would leave the window no earlier), so the front
 * is always the extreme of the window and each entry is pushed and removed once: amortised
 * O(1) per event, memory bounded by the distinct timestamps in the window.
 */

import { dropFront, lowerBound, shouldCompact } from './window-queue.js';

/**
 * Deque state as plain data: `buf` holds `[time, value]` entries (see `window-queue.ts`),
 * live from element `head` on, times ascending and values strictly decreasing for a max
 * (increasing for a min); never empty while it exists.
 */
export interface MonotonicDeque {
  buf: number[];
  head: number;
}

/** A one-entry deque. */
export function createDeque(time: number, value: number): MonotonicDeque {
  return { buf: [time, value], head: 0 };
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
  const { buf, head } = d;
  let n = buf.length;
  const lastTime = buf[n - 2];
  if (time >= lastTime) {
    if (time === lastTime && covers(buf[n - 1], value, max)) return;
    while (n > head && covers(value, buf[n - 1], max)) {
      buf.pop();
      buf.pop();
      n -= 2;
    }
    buf.push(time, value);
    return;
  }
  // A late value. Entries at or after `time` run from `at`; the one at `at` is the most
  // extreme of them, so if it covers `value` the new entry could never be the extreme.
  const at = lowerBound(buf, head, time, 2);
  if (covers(buf[at + 1], value, max)) return;
  // Otherwise entries at exactly `time`, and earlier entries `value` covers, are dominated.
  let end = at;
  while (buf[end] === time) end += 2;
  let start = at;
  while (start > head && covers(value, buf[start - 1], max)) start -= 2;
  buf.splice(start, end - start, time, value);
}

/** Drops entries with time `<= cutoff`; returns true when the deque is left empty. */
export function dequeExpire(d: MonotonicDeque, cutoff: number): boolean {
  const { buf } = d;
  let h = d.head;
  if (buf[h] > cutoff) return false;
  const n = buf.length;
  while (h < n && buf[h] <= cutoff) h += 2;
  if (h === n) return true;
  if (shouldCompact(h, n)) {
    dropFront(buf, h);
    h = 0;
  }
  d.head = h;
  return false;
}

/** The extreme of the window: the front value. */
export function dequeFront(d: MonotonicDeque): number {
  return d.buf[d.head + 1];
}

/** Time of the front entry: when it leaves, the extreme changes. */
export function dequeFrontTime(d: MonotonicDeque): number {
  return d.buf[d.head];
}
