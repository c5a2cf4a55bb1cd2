/**
 * Exact sliding windows over event time for the rule language's aggregates (language spec,
 * "Conditions" and "Time"). A window `over D` at clock time T holds the events with time in
 * (T - D, T]: an event at time t leaves it at T = t + D.
 *
 * Every aggregate keeps, per group, one small state object `{ cutoff, window }`: `window` is
 * null while the window is empty, so an idle group costs a few dozen bytes, and otherwise
 * holds flat number arrays with one entry per distinct timestamp (events with the same time
 * merge into one entry; see `window-queue.ts`). State is plain data throughout, so it
 * survives `JSON.stringify` and `JSON.parse`, and a restored state continues exactly where
 * the original left off.
 */

import { createDistinct, distinctAdd, distinctExpire, distinctFrontTime, type DistinctValues } from './distinct-values.js';
import type { Event, Scalar } from '../model/event.js';
import { addExact, divideExact } from './exact-sum.js';
import { createDeque, dequeAdd, dequeExpire, dequeFront, dequeFrontTime, type MonotonicDeque } from './monotonic-deque.js';
import { createQuantileWindow, quantileAdd, quantileExpire, quantileFrontTime, quantileValue, type QuantileWindow } from './quantile-window.js';
import { toNumber } from '../values.js';
import { dropFront, lowerBound, shouldCompact } from './window-queue.js';

/** The aggregate functions of the rule language. */
export type AggFn = 'count' | 'rate' | 'sum' | 'avg' | 'min' | 'max' | 'last' | 'distinct' | 'ratio' | 'p50' | 'p90' | 'p95' | 'p99';

/** Every `AggFn`, for checkers and tests that need to enumerate them. */
export const AGG_FNS: readonly AggFn[] = ['count', 'rate', 'sum', 'avg', 'min', 'max', 'last', 'distinct', 'ratio', 'p50', 'p90', 'p95', 'p99'];

/**
 * One aggregate over a sliding window, with its state kept outside (one state per group).
 * The engine adds each matching event, expires by the clock, reads the value, and sets a
 * timer at `nextExpiry` so the value changes at the exact millisecond an event leaves.
 */
export interface WindowAggregate<S> {
  /** Fresh state for a new group: tiny, since it is created per group; buffers come lazily. */
  init(): S;
  /**
   * Adds one event at `time` (event time, ms). Times usually arrive non-decreasing; a late
   * event (time below the newest already added) takes a slower path, and one that already
   * left the window (time at or before the last expire's `now - D`) is ignored.
   */
  add(state: S, event: Event, time: number): void;
  /**
   * Drops entries that left the window at clock time `now` (time `<= now - D`). Cheap when
   * nothing expires; once the window empties its buffers are released.
   */
  expire(state: S, now: number): void;
  /** The aggregate over the entries held (as of the last `expire`), undefined when missing. */
  value(state: S): Scalar | undefined;
  /** The time (t + D) at which the oldest entry that matters leaves, undefined when empty. */
  nextExpiry(state: S): number | undefined;
  /** True when the window holds nothing (the state is back to its initial size). */
  isEmpty(state: S): boolean;
}

/** What `createWindowAggregate` needs; `field` and `pred` come from the rule compiler. */
export interface WindowAggregateOptions {
  readonly fn: AggFn;
  /** The window length D in ms (positive). */
  readonly windowMs: number;
  /** Reads the aggregated field; required for every function but `count`, `rate`, `ratio`. */
  readonly field?: (e: Event) => unknown;
  /** The predicate of `ratio`. */
  readonly pred?: (e: Event) => boolean;
}

/**
 * The per-group state of every aggregate: `cutoff` is the latest `now - D` expired to (events
 * at or before it are out for good), `window` the entries, or null while there are none.
 */
export interface WindowState<W> {
  cutoff: number;
  window: W | null;
}

/**
 * Builds the aggregate `fn` over windows of `windowMs`. Semantics: `count` is 0 on an empty
 * window and every other aggregate missing; `rate` is events per second (count / (D / 1000));
 * numeric aggregates (`sum avg min max pNN`) use numbers and numeric strings and skip other
 * values; `last` is the newest value present (any scalar, as given); `distinct` counts
 * distinct values by type and value (`1` and `"1"` differ, null counts); `ratio` is the
 * fraction of the window's events satisfying `pred`; `pNN` interpolate between ranks (see
 * `sketchQuantile`) within 1% relative error. All windows are exact in membership.
 */
export function createWindowAggregate(options: WindowAggregateOptions): WindowAggregate<unknown> {
  const { fn, windowMs, field, pred } = options;
  if (!(windowMs > 0) || !Number.isFinite(windowMs)) {
    throw new RangeError(`window length must be a positive number of ms, got ${windowMs}`);
  }
  const needField = (): ((e: Event) => unknown) => {
    if (field === undefined) throw new TypeError(`${fn} needs a field`);
    return field;
  };
  switch (fn) {
    case 'count':
    case 'rate':
      return tallyAggregate(fn, windowMs, undefined);
    case 'ratio':
      if (pred === undefined) throw new TypeError('ratio needs a predicate');
      return tallyAggregate(fn, windowMs, pred);
    case 'sum':
    case 'avg':
      return sumAggregate(fn, windowMs, needField());
    case 'min':
    case 'max':
      return extremeAggregate(fn === 'max', windowMs, needField());
    case 'last':
      return lastAggregate(windowMs, needField());
    case 'distinct':
      return distinctAggregate(windowMs, needField());
    case 'p50':
    case 'p90':
    case 'p95':
    case 'p99':
      return quantileAggregate(Number(fn.slice(1)) / 100, windowMs, needField());
    default:
      throw new TypeError(`unknown aggregate ${String(fn)}`);
  }
}

/** Cutoff of a state never expired: below every event time, and JSON-safe (unlike -Infinity). */
const NO_CUTOFF = -Number.MAX_VALUE;

function emptyState<W>(): WindowState<W> {
  return { cutoff: NO_CUTOFF, window: null };
}

/** Moves the cutoff to `now - windowMs`; returns the window when entries may have left. */
function advance<W>(state: WindowState<W>, now: number, windowMs: number): W | null {
  const cutoff = now - windowMs;
  if (!(cutoff > state.cutoff)) return null;
  state.cutoff = cutoff;
  return state.window;
}

/**
 * A field value `last` and `distinct` keep as is: a string, finite number, boolean or null;
 * not an absent field or a nested object, nor NaN or an infinity (no event carries them,
 * and JSON could not).
 */
function isScalar(v: unknown): v is Scalar {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object':
      return v === null;
    default:
      return false;
  }
}

/** The numeric value of a field, with -0 read as 0 (JSON cannot carry -0). */
function numeric(field: (e: Event) => unknown, event: Event): number | undefined {
  const x = toNumber(field(event));
  return x === 0 ? 0 : x;
}

/**
 * count, rate and ratio: `buf` holds `[time, events]` entries, or `[time, events, hits]` for
 * ratio (hits: events satisfying the predicate), one per distinct time; totals run along.
 */
interface TallyWindow {
  buf: number[];
  head: number;
  total: number;
  hitTotal: number;
}

function tallyAggregate(
  fn: 'count' | 'rate' | 'ratio',
  windowMs: number,
  pred: ((e: Event) => boolean) | undefined,
): WindowAggregate<WindowState<TallyWindow>> {
  const stride = pred === undefined ? 2 : 3;
  return {
    init: emptyState,
    add(state, event, time) {
      if (!(time > state.cutoff)) return;
      const hit = pred !== undefined && pred(event) ? 1 : 0;
      const w = state.window;
      if (w === null) {
        state.window = { buf: stride === 2 ? [time, 1] : [time, 1, hit], head: 0, total: 1, hitTotal: hit };
        return;
      }
      w.total++;
      w.hitTotal += hit;
      const { buf } = w;
      let i = buf.length - stride;
      if (time > buf[i]) {
        if (stride === 2) buf.push(time, 1);
        else buf.push(time, 1, hit);
        return;
      }
      if (time < buf[i]) {
        i = lowerBound(buf, w.head, time, stride);
        if (buf[i] !== time) {
          if (stride === 2) buf.splice(i, 0, time, 1);
          else buf.splice(i, 0, time, 1, hit);
          return;
        }
      }
      buf[i + 1]++;
      if (stride === 3) buf[i + 2] += hit;
    },
    expire(state, now) {
      const w = advance(state, now, windowMs);
      if (w === null) return;
      const cutoff = state.cutoff;
      const { buf } = w;
      let h = w.head;
      if (buf[h] > cutoff) return;
      const n = buf.length;
      let gone = 0;
      let goneHits = 0;
      for (; h < n && buf[h] <= cutoff; h += stride) {
        gone += buf[h + 1];
        if (stride === 3) goneHits += buf[h + 2];
      }
      if (h === n) {
        state.window = null;
        return;
      }
      w.total -= gone;
      w.hitTotal -= goneHits;
      if (shouldCompact(h, n)) {
        dropFront(buf, h);
        h = 0;
      }
      w.head = h;
    },
    value(state) {
      const w = state.window;
      if (fn === 'count') return w === null ? 0 : w.total;
      if (w === null) return undefined;
      // total * 1000 / D rather than total / (D / 1000): one rounding, so 3 over 100ms is 30.
      return fn === 'rate' ? (w.total * 1000) / windowMs : w.hitTotal / w.total;
    },
    nextExpiry: (state) => (state.window === null ? undefined : state.window.buf[state.window.head] + windowMs),
    isEmpty: (state) => state.window === null,
  };
}

/**
 * sum and avg: `buf` holds `[time, values, hi, lo]` entries, one per distinct time, where
 * `hi + lo` is the entry's sum as a double-double pair (see `exact-sum.ts`); `total` is the
 * window's sum as a pair, recomputed from the entries at each compaction.
 */
interface SumWindow {
  buf: number[];
  head: number;
  count: number;
  total: number[];
}

function sumAggregate(fn: 'sum' | 'avg', windowMs: number, field: (e: Event) => unknown): WindowAggregate<WindowState<SumWindow>> {
  return {
    init: emptyState,
    add(state, event, time) {
      if (!(time > state.cutoff)) return;
      const x = numeric(field, event);
      if (x === undefined) return;
      const w = state.window;
      if (w === null) {
        state.window = { buf: [time, 1, x, 0], head: 0, count: 1, total: [x, 0] };
        return;
      }
      w.count++;
      addExact(w.total, 0, x, 0);
      const { buf } = w;
      let i = buf.length - 4;
      if (time > buf[i]) {
        buf.push(time, 1, x, 0);
        return;
      }
      if (time < buf[i]) {
        i = lowerBound(buf, w.head, time, 4);
        if (buf[i] !== time) {
          buf.splice(i, 0, time, 1, x, 0);
          return;
        }
      }
      buf[i + 1]++;
      addExact(buf, i + 2, x, 0);
    },
    expire(state, now) {
      const w = advance(state, now, windowMs);
      if (w === null) return;
      const cutoff = state.cutoff;
      const { buf, total } = w;
      let h = w.head;
      if (buf[h] > cutoff) return;
      const n = buf.length;
      for (; h < n && buf[h] <= cutoff; h += 4) {
        w.count -= buf[h + 1];
        addExact(total, 0, -buf[h + 2], -buf[h + 3]);
      }
      if (h === n) {
        state.window = null;
        return;
      }
      if (shouldCompact(h, n)) {
        dropFront(buf, h);
        h = 0;
        // Re-add the entries left: what the subtractions rounded away (in the presence of a
        // much larger value that has left since) does not outlive this compaction.
        total[0] = 0;
        total[1] = 0;
        for (let i = 0; i < buf.length; i += 4) addExact(total, 0, buf[i + 2], buf[i + 3]);
      }
      w.head = h;
    },
    value(state) {
      const w = state.window;
      if (w === null) return undefined;
      return fn === 'sum' ? w.total[0] : divideExact(w.total[0], w.total[1], w.count);
    },
    nextExpiry: (state) => (state.window === null ? undefined : state.window.buf[state.window.head] + windowMs),
    isEmpty: (state) => state.window === null,
  };
}

/** min and max over a monotonic deque. */
function extremeAggregate(max: boolean, windowMs: number, field: (e: Event) => unknown): WindowAggregate<WindowState<MonotonicDeque>> {
  return {
    init: emptyState,
    add(state, event, time) {
      if (!(time > state.cutoff)) return;
      const x = numeric(field, event);
      if (x === undefined) return;
      if (state.window === null) state.window = createDeque(time, x);
      else dequeAdd(state.window, time, x, max);
    },
    expire(state, now) {
      const w = advance(state, now, windowMs);
      if (w !== null && dequeExpire(w, state.cutoff)) state.window = null;
    },
    value: (state) => (state.window === null ? undefined : dequeFront(state.window)),
    // Only the front can change the extreme; later entries leave after it.
    nextExpiry: (state) => (state.window === null ? undefined : dequeFrontTime(state.window) + windowMs),
    isEmpty: (state) => state.window === null,
  };
}

/** last: only the newest value present matters, since it is also the last to leave. */
interface LastWindow {
  time: number;
  value: Scalar;
}

function lastAggregate(windowMs: number, field: (e: Event) => unknown): WindowAggregate<WindowState<LastWindow>> {
  return {
    init: emptyState,
    add(state, event, time) {
      if (!(time > state.cutoff)) return;
      const v = field(event);
      if (!isScalar(v)) return;
      // -0 is read as 0, as JSON would.
      const value = v === 0 ? 0 : v;
      const w = state.window;
      if (w === null) state.window = { time, value };
      // At equal times the later input is the newer event.
      else if (time >= w.time) {
        w.time = time;
        w.value = value;
      }
    },
    expire(state, now) {
      const w = advance(state, now, windowMs);
      if (w !== null && w.time <= state.cutoff) state.window = null;
    },
    value: (state) => (state.window === null ? undefined : state.window.value),
    nextExpiry: (state) => (state.window === null ? undefined : state.window.time + windowMs),
    isEmpty: (state) => state.window === null,
  };
}

/** distinct over a latest-occurrence tracker. */
function distinctAggregate(windowMs: number, field: (e: Event) => unknown): WindowAggregate<WindowState<DistinctValues>> {
  return {
    init: emptyState,
    add(state, event, time) {
      if (!(time > state.cutoff)) return;
      const v = field(event);
      if (!isScalar(v)) return;
      if (state.window === null) state.window = createDistinct(v, time);
      else distinctAdd(state.window, v, time, state.cutoff);
    },
    expire(state, now) {
      const w = advance(state, now, windowMs);
      if (w !== null && distinctExpire(w, state.cutoff)) state.window = null;
    },
    value: (state) => (state.window === null ? undefined : state.window.size),
    nextExpiry: (state) => (state.window === null ? undefined : distinctFrontTime(state.window) + windowMs),
    isEmpty: (state) => state.window === null,
  };
}

/** p50, p90, p95, p99 over a quantile window (exact while small, a sketch past that). */
function quantileAggregate(q: number, windowMs: number, field: (e: Event) => unknown): WindowAggregate<WindowState<QuantileWindow>> {
  return {
    init: emptyState,
    add(state, event, time) {
      if (!(time > state.cutoff)) return;
      const x = numeric(field, event);
      if (x === undefined) return;
      if (state.window === null) state.window = createQuantileWindow();
      quantileAdd(state.window, time, x);
    },
    expire(state, now) {
      const w = advance(state, now, windowMs);
      if (w !== null && quantileExpire(w, state.cutoff)) state.window = null;
    },
    value: (state) => (state.window === null ? undefined : quantileValue(state.window, q)),
    nextExpiry: (state) => (state.window === null ? undefined : quantileFrontTime(state.window) + windowMs),
    isEmpty: (state) => state.window === null,
  };
}
