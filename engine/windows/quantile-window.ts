/**
 * The numeric values of a sliding window, kept for percentiles. A small window keeps the
 * values themselves, sorted, so its quantiles are exact and an update is a short memmove;
 * once it holds more than `EXACT_LIMIT` values it switches to a quantile sketch (within 1%,
 * see `quantile-sketch.ts`) and stays with it until it empties. Either way membership is
 * exact: a queue in time order says what to take back as time passes.
 */

import { bucketKey, createSketch, sketchAddAt, sketchQuantile, sketchRemove, sketchSlot, type QuantileSketch } from './quantile-sketch.js';
import { dropFront, lowerBound, shouldCompact, upperBound } from './window-queue.js';

/** Most values a window keeps exactly; past it, memory is bounded by timestamps and buckets. */
export const EXACT_LIMIT = 256;

/**
 * Window state as plain data, in one of two modes. Exact mode (`sorted` set): `buf` holds a
 * `[time, value]` entry per value. Sketch mode (`sketch` set): `buf` holds `[time, bucket
 * key, count]` entries, one per distinct time and bucket; a bucket's mark in the sketch is
 * the absolute position (`base` + index) of its newest entry, so a repeat merges in O(1).
 */
export interface QuantileWindow {
  buf: number[];
  head: number;
  sorted: number[] | null;
  sketch: QuantileSketch | null;
  /** Elements compaction has cut off the front of `buf` so far. */
  base: number;
}

/** An empty window in exact mode. */
export function createQuantileWindow(): QuantileWindow {
  return { buf: [], head: 0, sorted: [], sketch: null, base: 0 };
}

/** Adds `value` at `time` (in any order; an earlier time is spliced into place). */
export function quantileAdd(w: QuantileWindow, time: number, value: number): void {
  const { sorted } = w;
  if (sorted === null) {
    sketchAdd(w, w.sketch!, time, value);
    return;
  }
  const i = upperBound(sorted, 0, value);
  if (i === sorted.length) sorted.push(value);
  else sorted.splice(i, 0, value);
  const { buf } = w;
  if (buf.length === w.head || buf[buf.length - 2] <= time) buf.push(time, value);
  else buf.splice(upperBound(buf, w.head, time, 2), 0, time, value);
  if (sorted.length > EXACT_LIMIT) toSketch(w);
}

function sketchAdd(w: QuantileWindow, s: QuantileSketch, time: number, value: number): void {
  const key = bucketKey(value);
  const slot = sketchSlot(s, key);
  sketchAddAt(s, slot, value, 1);
  const { buf } = w;
  const n = buf.length;
  if (n === w.head || buf[n - 3] <= time) {
    const at = s.marks[slot] - w.base;
    if (at >= w.head && at < n && buf[at] === time && buf[at + 1] === key) {
      buf[at + 2]++;
      return;
    }
    s.marks[slot] = w.base + n;
    buf.push(time, key, 1);
    return;
  }
  const from = lowerBound(buf, w.head, time, 3);
  const to = upperBound(buf, from, time, 3);
  for (let i = from; i < to; i += 3) {
    if (buf[i + 1] === key) {
      buf[i + 2]++;
      return;
    }
  }
  // Entries after `to` move up; marks pointing at them stop matching and only miss a merge.
  buf.splice(to, 0, time, key, 1);
}

/** Moves an exact-mode window into a sketch. */
function toSketch(w: QuantileWindow): void {
  const old = w.buf;
  const from = w.head;
  const s = createSketch();
  w.buf = [];
  w.head = 0;
  w.base = 0;
  w.sorted = null;
  w.sketch = s;
  for (let i = from; i < old.length; i += 2) sketchAdd(w, s, old[i], old[i + 1]);
}

/** Drops values with time `<= cutoff`; returns true when the window is left empty. */
export function quantileExpire(w: QuantileWindow, cutoff: number): boolean {
  const { buf, sorted } = w;
  let h = w.head;
  if (buf[h] > cutoff) return false;
  const n = buf.length;
  if (sorted !== null) {
    for (; h < n && buf[h] <= cutoff; h += 2) sorted.splice(lowerBound(sorted, 0, buf[h + 1]), 1);
  } else {
    const s = w.sketch!;
    for (; h < n && buf[h] <= cutoff; h += 3) sketchRemove(s, buf[h + 1], buf[h + 2]);
  }
  if (h === n) return true;
  if (shouldCompact(h, n)) {
    dropFront(buf, h);
    w.base += h;
    h = 0;
  }
  w.head = h;
  return false;
}

/** Time of the oldest value. */
export function quantileFrontTime(w: QuantileWindow): number {
  return w.buf[w.head];
}

/**
 * The `q`-quantile (0..1) of the window's values, by the definition of `sketchQuantile`
 * (linear interpolation between ranks); undefined when the window is empty.
 */
export function quantileValue(w: QuantileWindow, q: number): number | undefined {
  const { sorted } = w;
  if (sorted === null) return sketchQuantile(w.sketch!, q);
  if (sorted.length === 0) return undefined;
  const rank = q * (sorted.length - 1);
  const lower = Math.floor(rank);
  const a = sorted[lower];
  const frac = rank - lower;
  return frac === 0 ? a : a + (sorted[lower + 1] - a) * frac;
}
