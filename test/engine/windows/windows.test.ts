import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from '../../../engine/model/event.js';
import { toNumber } from '../../../engine/values.js';
import { AGG_FNS, createWindowAggregate, type AggFn, type WindowAggregate } from '../../../engine/windows/windows.js';
import { prng as random } from '../../support/prng.js';


const field = (e: Event): unknown => e.v;
const pred = (e: Event): boolean => e.ok === true;

function aggregate(fn: AggFn, windowMs: number): WindowAggregate<unknown> {
  return createWindowAggregate({ fn, windowMs, field, pred });
}

function ev(time: number, v?: unknown, ok?: boolean): Event {
  const e: Record<string, unknown> = { stream: 'metrics', time };
  if (v !== undefined) e.v = v;
  if (ok !== undefined) e.ok = ok;
  return e as Event;
}

/** The exact aggregate over `events` (those in the window), computed the obvious way. */
function reference(fn: AggFn, windowMs: number, events: readonly Event[]): unknown {
  const nums = events.map((e) => toNumber(e.v)).filter((x): x is number => x !== undefined);
  switch (fn) {
    case 'count':
      return events.length;
    case 'rate':
      return events.length === 0 ? undefined : (events.length * 1000) / windowMs;
    case 'ratio':
      return events.length === 0 ? undefined : events.filter(pred).length / events.length;
    case 'sum':
      return nums.length === 0 ? undefined : nums.reduce((a, b) => a + b, 0);
    case 'avg':
      return nums.length === 0 ? undefined : nums.reduce((a, b) => a + b, 0) / nums.length;
    case 'min':
      return nums.length === 0 ? undefined : Math.min(...nums);
    case 'max':
      return nums.length === 0 ? undefined : Math.max(...nums);
    case 'last': {
      // Newest time wins; at equal times the later input does (events are in input order).
      let best: Event | undefined;
      for (const e of events) if (e.v !== undefined && (best === undefined || e.time >= best.time)) best = e;
      return best?.v;
    }
    case 'distinct': {
      const values = new Set(events.filter((e) => e.v !== undefined).map((e) => `${typeof e.v}:${String(e.v)}`));
      return values.size === 0 ? undefined : values.size;
    }
    default:
      return exactQuantile(nums, Number(fn.slice(1)) / 100)?.value;
  }
}

/** Interpolated quantile of `xs`, with the bound the sketch guarantees for it. */
function exactQuantile(xs: number[], q: number): { value: number; tolerance: number } | undefined {
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const lo = Math.floor(rank);
  const frac = rank - lo;
  const a = sorted[lo]!;
  const b = frac === 0 ? a : sorted[lo + 1]!;
  return { value: frac === 0 ? a : a + (b - a) * frac, tolerance: 0.01 * ((1 - frac) * Math.abs(a) + frac * Math.abs(b)) };
}

/** The time the aggregate's value may next change by expiry alone, by brute force. */
function referenceExpiry(fn: AggFn, windowMs: number, events: readonly Event[]): number | undefined {
  if (fn === 'count' || fn === 'rate' || fn === 'ratio') {
    return events.length === 0 ? undefined : Math.min(...events.map((e) => e.time)) + windowMs;
  }
  if (fn === 'last' || fn === 'distinct') {
    const present = events.filter((e) => e.v !== undefined);
    if (present.length === 0) return undefined;
    if (fn === 'last') return Math.max(...present.map((e) => e.time)) + windowMs;
    // Each value leaves with its newest occurrence; the first to leave decides.
    const newest = new Map<string, number>();
    for (const e of present) {
      const key = `${typeof e.v}:${String(e.v)}`;
      newest.set(key, Math.max(newest.get(key) ?? -Infinity, e.time));
    }
    return Math.min(...newest.values()) + windowMs;
  }
  const numeric = events.filter((e) => toNumber(e.v) !== undefined);
  if (numeric.length === 0) return undefined;
  if (fn === 'min' || fn === 'max') {
    // The extreme changes when its newest occurrence leaves.
    const extreme = reference(fn, windowMs, events);
    return Math.max(...numeric.filter((e) => toNumber(e.v) === extreme).map((e) => e.time)) + windowMs;
  }
  return Math.min(...numeric.map((e) => e.time)) + windowMs;
}

function assertClose(fn: AggFn, got: unknown, want: unknown, inWindow: readonly Event[], where: string): void {
  if (want === undefined || got === undefined) {
    assert.equal(got, want, where);
    return;
  }
  if (fn === 'sum' || fn === 'avg') {
    const scale = inWindow.reduce((s, e) => s + Math.abs(toNumber(e.v) ?? 0), 0);
    assert.ok(Math.abs((got as number) - (want as number)) <= 1e-12 * Math.max(1, scale), `${where}: ${got} vs ${want}`);
    return;
  }
  if (fn.startsWith('p')) {
    const nums = inWindow.map((e) => toNumber(e.v)).filter((x): x is number => x !== undefined);
    const exact = exactQuantile(nums, Number(fn.slice(1)) / 100)!;
    assert.ok(Math.abs((got as number) - exact.value) <= exact.tolerance + 1e-12, `${where}: ${got} vs ${exact.value}`);
    return;
  }
  assert.equal(got, want, where);
}

/** A field value drawn from every kind the aggregates must tell apart. */
function randomValue(rnd: () => number): unknown {
  const r = rnd();
  if (r < 0.35) return Math.floor(rnd() * 41) - 20; // small ints, zeros, negatives, repeats
  if (r < 0.5) return Math.round((rnd() * 2000 - 1000) * 1000) / 1000 + 0; // + 0: never -0
  if (r < 0.6) return String(Math.floor(rnd() * 30) / 2); // numeric strings like "12.5"
  if (r < 0.65) return 'abc';
  if (r < 0.7) return rnd() < 0.5;
  if (r < 0.75) return null;
  if (r < 0.8) return 0;
  return undefined;
}

/**
 * Drives an aggregate the way the engine does (add at event time, expire at the clock, read)
 * over a random stream with repeated timestamps and late events, checking the value and
 * next expiry against brute force after every step. A twin state goes through a JSON round
 * trip every few steps and must give identical results.
 */
function checkAgainstReference(fn: AggFn, seed: number, windowMs: number, steps: number, busy = false): void {
  const rnd = random(seed);
  const agg = aggregate(fn, windowMs);
  let state = agg.init();
  let twin = agg.init();
  let added: Event[] = [];
  let now = 1_700_000_000_000;
  // A busy stream holds hundreds of events per window (past the exact limit of quantiles).
  const stepFraction = busy ? 0.01 : 0.2;
  for (let step = 0; step < steps; step++) {
    const r = rnd();
    // Mostly small steps; sometimes a jump past the whole window.
    now += r < 0.3 ? 0 : r < 0.97 ? Math.floor(rnd() * windowMs * stepFraction) : windowMs + Math.floor(rnd() * windowMs);
    const burst = Math.floor(rnd() * (busy ? 8 : 4));
    for (let k = 0; k < burst; k++) {
      const late = rnd() < 0.15;
      const time = late ? now - Math.floor(rnd() * windowMs) : now;
      const e = ev(time, randomValue(rnd), rnd() < 0.4);
      added.push(e);
      agg.add(state, e, time);
      agg.add(twin, e, time);
    }
    agg.expire(state, now);
    agg.expire(twin, now);
    // Late events never reach back past the window, so older events can be forgotten.
    added = added.filter((e) => e.time > now - windowMs);
    const inWindow = added;
    const where = `${fn} seed ${seed} step ${step} now ${now}`;
    assertClose(fn, agg.value(state), reference(fn, windowMs, inWindow), inWindow, where);
    assert.equal(agg.nextExpiry(state), referenceExpiry(fn, windowMs, inWindow), `${where} nextExpiry`);
    assert.equal(agg.isEmpty(state), referenceExpiry(fn, windowMs, inWindow) === undefined, `${where} isEmpty`);
    assert.ok(Object.is(agg.value(twin), agg.value(state)), `${where} twin value`);
    assert.equal(agg.nextExpiry(twin), agg.nextExpiry(state), `${where} twin nextExpiry`);
    if (step % 7 === 0) twin = JSON.parse(JSON.stringify(twin));
    if (step % 50 === 0) state = JSON.parse(JSON.stringify(state));
  }
}

for (const fn of AGG_FNS) {
  test(`${fn}: matches brute force on random streams (repeats, late events, mixed values)`, () => {
    for (const seed of [1, 2, 3]) checkAgainstReference(fn, seed, 1000, 1500);
    checkAgainstReference(fn, 4, 1, 300);
    checkAgainstReference(fn, 5, 60_000, 600);
    checkAgainstReference(fn, 6, 20_000, 1500, true);
  });
}

test('nextExpiry of min/max names the front of the deque: the value holds until then', () => {
  for (const fn of ['min', 'max'] as const) {
    const agg = aggregate(fn, 100);
    const s = agg.init();
    for (const [t, v] of [[0, 5], [10, 9], [20, 1], [30, 7]] as const) agg.add(s, ev(t, v), t);
    agg.expire(s, 30);
    const seq: Array<[number, unknown, number | undefined]> = [];
    for (let now = 30; now <= 131; now++) {
      agg.expire(s, now);
      seq.push([now, agg.value(s), agg.nextExpiry(s)]);
    }
    const want =
      fn === 'max'
        ? { 30: [9, 110], 109: [9, 110], 110: [7, 130], 129: [7, 130], 130: [undefined, undefined] }
        : { 30: [1, 120], 119: [1, 120], 120: [7, 130], 130: [undefined, undefined] };
    for (const [now, [value, next]] of Object.entries(want)) {
      const row = seq.find(([t]) => t === Number(now))!;
      assert.deepEqual([row[1], row[2]], [value, next], `${fn} at ${now}`);
    }
  }
});

test('window boundary: an event at t is in at t + D - 1 and out at t + D', () => {
  for (const fn of AGG_FNS) {
    const agg = aggregate(fn, 60_000);
    const s = agg.init();
    const t = 1_700_000_000_123;
    agg.add(s, ev(t, 42, true), t);
    agg.expire(s, t);
    assert.equal(agg.nextExpiry(s), t + 60_000, fn);
    agg.expire(s, t + 59_999);
    assert.notEqual(agg.value(s), fn === 'count' ? 0 : undefined, `${fn} in at t + D - 1`);
    assert.equal(agg.isEmpty(s), false, fn);
    agg.expire(s, t + 60_000);
    assert.equal(agg.value(s), fn === 'count' ? 0 : undefined, `${fn} out at t + D`);
    assert.equal(agg.nextExpiry(s), undefined, fn);
    assert.equal(agg.isEmpty(s), true, fn);
  }
});

test('values of a one-event window', () => {
  const want: Record<AggFn, unknown> = {
    count: 1, rate: 1 / 60, sum: 42, avg: 42, min: 42, max: 42, last: 42, distinct: 1, ratio: 1,
    p50: 42, p90: 42, p95: 42, p99: 42,
  };
  for (const fn of AGG_FNS) {
    const agg = aggregate(fn, 60_000);
    const s = agg.init();
    agg.add(s, ev(5, 42, true), 5);
    agg.expire(s, 5);
    assert.equal(agg.value(s), want[fn], fn);
  }
});

test('rate is count per second of the window, computed with one rounding', () => {
  const agg = aggregate('rate', 100);
  const s = agg.init();
  for (let i = 0; i < 3; i++) agg.add(s, ev(10), 10);
  agg.expire(s, 10);
  assert.equal(agg.value(s), 30);
});

test('empty window: count 0, every other aggregate missing, no expiry', () => {
  for (const fn of AGG_FNS) {
    const agg = aggregate(fn, 1000);
    const s = agg.init();
    assert.equal(agg.value(s), fn === 'count' ? 0 : undefined, fn);
    assert.equal(agg.nextExpiry(s), undefined, fn);
    assert.equal(agg.isEmpty(s), true, fn);
    agg.expire(s, 5000);
    assert.equal(agg.value(s), fn === 'count' ? 0 : undefined, fn);
  }
});

test('numeric aggregates read numeric strings and skip everything else entirely', () => {
  const values: unknown[] = ['12.5', 'abc', true, null, undefined, '', '1e2', 7];
  const want: Partial<Record<AggFn, unknown>> = { sum: 119.5, avg: 119.5 / 3, min: 7, max: 100, p50: 12.5 };
  for (const [fn, expected] of Object.entries(want) as Array<[AggFn, unknown]>) {
    const agg = aggregate(fn, 1000);
    const s = agg.init();
    values.forEach((v, i) => agg.add(s, ev(i, v), i));
    agg.expire(s, 10);
    assert.equal(agg.value(s), expected, fn);
    // Numeric events came at 0 ("12.5"), 6 ("1e2") and 7 (7); skipped ones never decide.
    assert.equal(agg.nextExpiry(s), fn === 'min' ? 1007 : fn === 'max' ? 1006 : 1000, fn);
  }
  for (const fn of ['sum', 'avg', 'min', 'max', 'p99'] as const) {
    const agg = aggregate(fn, 1000);
    const s = agg.init();
    for (const v of ['abc', true, null, undefined]) agg.add(s, ev(1, v), 1);
    agg.expire(s, 1);
    assert.equal(agg.value(s), undefined, fn);
    assert.equal(agg.isEmpty(s), true, fn);
  }
});

test('last keeps values as given; distinct tells types apart and counts null', () => {
  const last = aggregate('last', 1000);
  const s = last.init();
  last.add(s, ev(1, '12.5'), 1);
  last.add(s, ev(2, 7), 2);
  last.add(s, ev(2, '007'), 2);
  last.add(s, ev(1, 'late'), 1);
  last.add(s, ev(3), 3);
  last.expire(s, 3);
  assert.equal(last.value(s), '007');
  last.add(s, ev(4, null), 4);
  assert.equal(last.value(s), null);

  const distinct = aggregate('distinct', 1000);
  const d = distinct.init();
  for (const v of [1, '1', 1, true, 'true', null, null, undefined, 1.0, -0, 0]) distinct.add(d, ev(1, v), 1);
  distinct.expire(d, 1);
  assert.equal(distinct.value(d), 6);

  // Neither keeps what is not a scalar an event can carry.
  for (const fn of ['last', 'distinct'] as const) {
    const agg = aggregate(fn, 1000);
    const s = agg.init();
    for (const v of [{ a: 1 }, ['x'], Number.NaN, Infinity, undefined]) agg.add(s, ev(1, v), 1);
    assert.equal(agg.isEmpty(s), true, fn);
  }
});

test('ratio counts every event the selector matched, field or not', () => {
  const agg = aggregate('ratio', 1000);
  const s = agg.init();
  agg.add(s, ev(1, undefined, true), 1);
  agg.add(s, ev(1, 'x', false), 1);
  agg.add(s, ev(2, undefined, false), 2);
  agg.add(s, ev(3, undefined, true), 3);
  agg.expire(s, 3);
  assert.equal(agg.value(s), 0.5);
  agg.expire(s, 1001);
  assert.equal(agg.value(s), 0.5);
  agg.expire(s, 1002);
  assert.equal(agg.value(s), 1);
});

test('quantiles stay within 1% of the exact interpolated value', () => {
  const rnd = random(99);
  for (const fn of ['p50', 'p90', 'p95', 'p99'] as const) {
    const agg = aggregate(fn, 10_000);
    const s = agg.init();
    const window: number[] = [];
    for (let t = 0; t < 30_000; t += 3) {
      // Latency-like: log-normal, spanning several orders of magnitude.
      const x = Math.exp(rnd() * 8 + rnd() * 4) / 10;
      agg.add(s, ev(t, x), t);
      window.push(t, x);
      agg.expire(s, t);
      if (t % 999 === 0) {
        const xs: number[] = [];
        for (let i = 0; i < window.length; i += 2) if (window[i]! > t - 10_000) xs.push(window[i + 1]!);
        const exact = exactQuantile(xs, Number(fn.slice(1)) / 100)!;
        const got = agg.value(s) as number;
        assert.ok(Math.abs(got - exact.value) <= 0.01 * exact.value, `${fn} at ${t}: ${got} vs ${exact.value}`);
      }
    }
  }
});

test('quantiles of repeated values are exact', () => {
  const agg = aggregate('p99', 1000);
  const s = agg.init();
  for (let t = 0; t < 100; t++) agg.add(s, ev(t, 0.3), t);
  agg.expire(s, 100);
  assert.equal(agg.value(s), 0.3);
});

test('sums do not drift while the window never empties', () => {
  const agg = aggregate('sum', 10);
  const s = agg.init();
  agg.add(s, ev(0, 1e16), 0);
  for (let t = 1; t < 10_000; t++) {
    agg.add(s, ev(t, 0.1), t);
    agg.expire(s, t);
  }
  // The window (9989, 9999] holds ten 0.1s: the correctly rounded sum of those doubles is 1
  // (adding them one by one gives 0.9999999999999999; a running sum without the pair
  // would have lost them all to the 1e16).
  assert.equal(agg.value(s), 1);
  const avg = aggregate('avg', 1000);
  const a = avg.init();
  for (const [t, v] of [[0, 0.1], [1, 0.2], [2, 0.3]] as const) avg.add(a, ev(t, v), t);
  avg.expire(a, 2);
  assert.equal(avg.value(a), 0.2);
});

test('an event that already left the window is ignored', () => {
  for (const fn of AGG_FNS) {
    const agg = aggregate(fn, 1000);
    const s = agg.init();
    agg.expire(s, 5000);
    agg.add(s, ev(4000, 3, true), 4000);
    assert.equal(agg.isEmpty(s), true, fn);
    agg.add(s, ev(4001, 3, true), 4001);
    assert.equal(agg.isEmpty(s), false, fn);
  }
});

test('an emptied window releases its buffers: the state is as small as a fresh one', () => {
  for (const fn of AGG_FNS) {
    const agg = aggregate(fn, 1000);
    const s = agg.init();
    for (let t = 0; t < 500; t++) agg.add(s, ev(t, t % 17, t % 3 === 0), t);
    agg.expire(s, 499);
    assert.notEqual((s as { window: unknown }).window, null, fn);
    agg.expire(s, 1499);
    assert.deepEqual(s, { cutoff: 499, window: null }, fn);
  }
});

test('fresh state is tiny plain data', () => {
  for (const fn of AGG_FNS) {
    const s = aggregate(fn, 1000).init();
    assert.deepEqual(JSON.parse(JSON.stringify(s)), s, fn);
    assert.equal((s as { window: unknown }).window, null, fn);
  }
});

test('a late event earlier than every entry becomes the oldest', () => {
  for (const fn of AGG_FNS) {
    const agg = aggregate(fn, 1000);
    const s = agg.init();
    agg.add(s, ev(500, 2, true), 500);
    agg.add(s, ev(200, 1, false), 200);
    agg.expire(s, 500);
    assert.equal(agg.nextExpiry(s), fn === 'last' ? 1500 : fn === 'max' ? 1500 : 1200, fn);
  }
});

test('options are validated', () => {
  assert.throws(() => createWindowAggregate({ fn: 'count', windowMs: 0 }), RangeError);
  assert.throws(() => createWindowAggregate({ fn: 'count', windowMs: Number.NaN }), RangeError);
  assert.throws(() => createWindowAggregate({ fn: 'sum', windowMs: 1000 }), TypeError);
  assert.throws(() => createWindowAggregate({ fn: 'ratio', windowMs: 1000 }), TypeError);
  assert.throws(() => createWindowAggregate({ fn: 'median' as AggFn, windowMs: 1000, field }), TypeError);
});
