/**
 * `rate(F)` and `increase(F)`: PromQL's counter functions over an exact sliding window.
 *
 * The window holds the samples of F (one per distinct time; at equal times the later input
 * wins) with time in (T - D, T]. The increase over them follows a counter through resets
 * as PromQL does: between consecutive samples a and b it grows by b - a, or by b when b < a
 * (the counter restarted from zero). That sum is then extrapolated to the window's edges
 * exactly as Prometheus 2.42's `extrapolatedRate` does:
 *
 * - fewer than two samples: missing (no rate);
 * - the gaps from the window's start to the first sample and from the last sample to T
 *   are added when below 1.1 times the average spacing of the samples, else half that
 *   spacing is added (the series began or ended inside the window);
 * - the start gap is cut to where the counter would have been zero (counters start at 0);
 * - `increase` is the extrapolated growth, `rate` that divided by D in seconds.
 *
 * Two differences from PromQL: a sample at exactly T - D is outside the window (PromQL
 * 2.x ranges include it), as in every vigil window; and the value is computed when a
 * sample arrives or leaves, not at evaluation ticks, so T is the time of that change.
 *
 * The running increase is a double-double sum (`exact-sum.ts`), updated as samples enter and
 * leave and recomputed at each compaction, so it does not drift. State is plain data.
 */

import type { Event } from '../model/event.js';
import { toNumber } from '../values.js';
import { addExact } from './exact-sum.js';
import { dropFront, lowerBound, shouldCompact } from './window-queue.js';
import type { WindowAggregate, WindowState } from './windows.js';

/** The counter functions. */
export type CounterFn = 'rate' | 'increase';

/** What `createCounterAggregate` needs. */
export interface CounterAggregateOptions {
  readonly fn: CounterFn;
  /** The window length D in ms (positive). */
  readonly windowMs: number;
  /** Reads the counter's value (numbers and numeric strings; other values are skipped). */
  readonly field: (e: Event) => unknown;
}

/** `buf` holds `[time, value]` entries in time order from `head`; `inc` the growth over them as a pair. */
export interface CounterWindow {
  buf: number[];
  head: number;
  inc: number[];
}

/** Cutoff of a state never expired (as in `windows.ts`). */
const NO_CUTOFF = -Number.MAX_VALUE;

/** How much a counter grew from a to b: b - a, or b after a reset. */
function growth(a: number, b: number): number {
  return b >= a ? b - a : b;
}

/** Recomputes the growth over the entries from `head`. */
function recompute(w: CounterWindow): void {
  w.inc[0] = 0;
  w.inc[1] = 0;
  const { buf } = w;
  for (let i = w.head + 2; i < buf.length; i += 2) addExact(w.inc, 0, growth(buf[i - 1]!, buf[i + 1]!), 0);
}

/**
 * PromQL's extrapolation of a counter's growth `delta` seen between the first and last
 * samples (`tFirst` with value `vFirst`, `tLast`, `count` samples) to the range
 * [`rangeStart`, `rangeEnd`] (ms), as Prometheus 2.42 `extrapolatedRate` computes it.
 */
export function extrapolatedIncrease(delta: number, vFirst: number, tFirst: number, tLast: number, count: number, rangeStart: number, rangeEnd: number): number {
  const sampled = (tLast - tFirst) / 1000;
  const average = sampled / (count - 1);
  let toStart = (tFirst - rangeStart) / 1000;
  const toEnd = (rangeEnd - tLast) / 1000;
  if (delta > 0 && vFirst >= 0) {
    const toZero = sampled * (vFirst / delta);
    if (toZero < toStart) toStart = toZero;
  }
  const threshold = average * 1.1;
  let interval = sampled;
  interval += toStart < threshold ? toStart : average / 2;
  interval += toEnd < threshold ? toEnd : average / 2;
  return delta * (interval / sampled);
}

/** Builds `rate(F)` or `increase(F)` over windows of `windowMs` (see the module comment). */
export function createCounterAggregate(options: CounterAggregateOptions): WindowAggregate<WindowState<CounterWindow>> {
  const { fn, windowMs, field } = options;
  if (!(windowMs > 0) || !Number.isFinite(windowMs)) throw new RangeError(`window length must be a positive number of ms, got ${windowMs}`);
  return {
    init: () => ({ cutoff: NO_CUTOFF, window: null }),
    add(state, event, time) {
      if (!(time > state.cutoff)) return;
      const raw = toNumber(field(event));
      if (raw === undefined) return;
      const x = raw === 0 ? 0 : raw;
      const w = state.window;
      if (w === null) {
        state.window = { buf: [time, x], head: 0, inc: [0, 0] };
        return;
      }
      const { buf } = w;
      const n = buf.length;
      if (time > buf[n - 2]!) {
        addExact(w.inc, 0, growth(buf[n - 1]!, x), 0);
        buf.push(time, x);
        return;
      }
      // Out of order or at an equal time: place it, then sum again (rare; O(window)).
      const i = lowerBound(buf, w.head, time, 2);
      if (buf[i] === time) buf[i + 1] = x;
      else buf.splice(i, 0, time, x);
      recompute(w);
    },
    expire(state, now) {
      const cutoff = now - windowMs;
      if (!(cutoff > state.cutoff)) return;
      state.cutoff = cutoff;
      const w = state.window;
      if (w === null) return;
      const { buf } = w;
      let h = w.head;
      if (buf[h]! > cutoff) return;
      const n = buf.length;
      for (; h < n && buf[h]! <= cutoff; h += 2) {
        if (h + 2 < n) addExact(w.inc, 0, -growth(buf[h + 1]!, buf[h + 3]!), 0);
      }
      if (h >= n) {
        state.window = null;
        return;
      }
      w.head = h;
      if (shouldCompact(h, n)) {
        dropFront(buf, h);
        w.head = 0;
        recompute(w);
      }
    },
    value(state) {
      const w = state.window;
      if (w === null) return undefined;
      const { buf, head } = w;
      const count = (buf.length - head) / 2;
      if (count < 2) return undefined;
      const tLast = buf[buf.length - 2]!;
      // The range ends at the clock time of the last expire; before any, at the last sample.
      const rangeEnd = state.cutoff === NO_CUTOFF ? tLast : Math.max(state.cutoff + windowMs, tLast);
      const increase = extrapolatedIncrease(w.inc[0]!, buf[head + 1]!, buf[head]!, tLast, count, rangeEnd - windowMs, rangeEnd);
      const v = fn === 'increase' ? increase : increase / (windowMs / 1000);
      return v === 0 ? 0 : v;
    },
    nextExpiry: (state) => (state.window === null ? undefined : state.window.buf[state.window.head]! + windowMs),
    isEmpty: (state) => state.window === null,
  };
}
