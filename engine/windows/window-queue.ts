/**
 * Helpers for the time-ordered queues behind sliding windows. A queue is one flat number
 * array of fixed-size entries whose first slot is the entry's time (`[t0, a0, t1, a1, ...]`
 * for a stride of 2), read from a head index: dropping the oldest entries is an index bump,
 * and the consumed prefix is cut off only once it outweighs the live part. That keeps
 * removal amortised O(1) without `shift()`, allocates nothing per entry, and keeps an
 * entry's fields on one cache line.
 */

/**
 * Element index of the first entry at or after element index `from` whose time is `>= time`
 * (`buf.length` when none); entries are `stride` elements long, times ascending.
 */
export function lowerBound(buf: readonly number[], from: number, time: number, stride = 1): number {
  let lo = from / stride;
  let hi = buf.length / stride;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (buf[mid * stride] < time) lo = mid + 1;
    else hi = mid;
  }
  return lo * stride;
}

/** Like `lowerBound`, for the first entry whose time is `> time`. */
export function upperBound(buf: readonly number[], from: number, time: number, stride = 1): number {
  let lo = from / stride;
  let hi = buf.length / stride;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (buf[mid * stride] <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo * stride;
}

/**
 * Whether a queue whose first `head` of `length` elements are consumed should be compacted
 * now: only when the dead prefix is at least as long as the live part, so each compaction
 * copies no more than was consumed since the last one.
 */
export function shouldCompact(head: number, length: number): boolean {
  return head >= 32 && head * 2 >= length;
}

/** Removes the first `count` elements of `items` in place. */
export function dropFront<T>(items: T[], count: number): void {
  // On V8, `splice` moves the rest in one go and keeps the backing store for the pushes to
  // come; a copy loop followed by a shorter `length` gives the store back and regrows it
  // (twice as slow on large windows), and `copyWithin` is slower still.
  items.splice(0, count);
}
