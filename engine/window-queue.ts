/**
 * Helpers for the time-ordered queues behind sliding windows. A queue is a set of parallel
 * arrays read from a head index: dropping the oldest entries is an index bump, and the
 * consumed prefix is cut off only once it outweighs the live part, which keeps removal
 * amortised O(1) without `shift()` or a new array per step.
 */

/** First index in `[from, times.length)` whose time is `>= time`; `times` ascending. */
export function lowerBound(times: readonly number[], from: number, time: number): number {
  let lo = from;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in `[from, times.length)` whose time is `> time`; `times` ascending. */
export function upperBound(times: readonly number[], from: number, time: number): number {
  let lo = from;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Whether a queue whose first `head` of `length` entries are consumed should be compacted
 * now: only when the dead prefix is at least as long as the live part, so each compaction
 * copies no more entries than were consumed since the last one.
 */
export function shouldCompact(head: number, length: number): boolean {
  return head >= 16 && head * 2 >= length;
}

/** Removes the first `count` elements of `items` in place. */
export function dropFront<T>(items: T[], count: number): void {
  items.copyWithin(0, count);
  items.length -= count;
}
