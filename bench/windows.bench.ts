/**
 * Sliding-window aggregates benchmark: add + expire + value per CPU second for every
 * aggregate, for one group (1 event per ms over 1m, so 60,000 entries in the window) and for 100,000
 * groups fed round-robin (100 events per ms, each group one event per second over 1m); the
 * heap of a group in that steady state; and the heap of an idle state (window emptied and
 * expired) and of a fresh one. Run with `node --expose-gc dist/bench/windows.bench.js [kind...]`.
 */
import type { Event } from '../engine/model/event.js';
import { AGG_FNS, createWindowAggregate, type AggFn, type WindowAggregate } from '../engine/windows/windows.js';
import { prng } from '../test/support/prng.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  process.stderr.write('run with node --expose-gc\n');
  process.exit(2);
}
const collect = gc;


const WINDOW_MS = 60_000;
const GROUPS = 100_000;
const START = 1_700_000_000_000;

/** A pool of events reused cyclically, so the loop measures the aggregate, not allocation. */
function eventPool(): Event[] {
  const rnd = prng(42);
  const users = Array.from({ length: 50 }, (_, i) => `user${i}`);
  return Array.from({ length: 4096 }, () => ({
    stream: 'metrics',
    time: 0,
    // Latency-like values: mostly tens to hundreds of ms, a long tail, one in 50 a string.
    value: rnd() < 0.02 ? String(Math.round(rnd() * 1000)) : Math.round(Math.exp(rnd() * 4 + rnd() * 3) * 10) / 10,
    user: users[Math.floor(rnd() * users.length)],
  }));
}

function aggregate(fn: AggFn): WindowAggregate<unknown> {
  const field = fn === 'distinct' ? (e: Event): unknown => e.user : (e: Event): unknown => e.value;
  return createWindowAggregate({ fn, windowMs: WINDOW_MS, field, pred: (e) => (e.value as number) > 100 });
}

/** Feeds `count` events from `from` on; event i goes to group i % states.length. */
function feed(agg: WindowAggregate<unknown>, states: unknown[], pool: Event[], from: number, count: number, perMs: number): number {
  let sink = 0;
  const groups = states.length;
  for (let i = from; i < from + count; i++) {
    const state = states[i % groups];
    const time = START + Math.floor(i / perMs);
    agg.add(state, pool[i & 4095]!, time);
    agg.expire(state, time);
    if (agg.value(state) !== undefined) sink++;
  }
  return sink;
}

/**
 * Events per second of CPU time once the windows are full (the first `warm` events fill
 * them): the best of three rounds of `timed` events. CPU time rather than wall time, so the
 * figure is per core and other work on the machine disturbs it less.
 */
function throughput(fn: AggFn, groups: number, perMs: number, warm: number, timed: number): { rate: number; bytesPerGroup: number } {
  const pool = eventPool();
  const agg = aggregate(fn);
  collect();
  const before = process.memoryUsage().heapUsed;
  const states = Array.from({ length: groups }, () => agg.init());
  feed(agg, states, pool, 0, warm, perMs);
  let rate = 0;
  for (let round = 0, from = warm; round < 3; round++, from += timed) {
    const started = process.cpuUsage();
    feed(agg, states, pool, from, timed, perMs);
    const used = process.cpuUsage(started);
    rate = Math.max(rate, timed / ((used.user + used.system) / 1e6));
  }
  collect();
  const bytesPerGroup = (process.memoryUsage().heapUsed - before) / groups;
  return { rate, bytesPerGroup };
}

/** Heap bytes per state: fresh, or idle (one event, then expired past the window). */
function stateBytes(fn: AggFn, idle: boolean): number {
  const agg = aggregate(fn);
  const pool = eventPool();
  const states: unknown[] = new Array(GROUPS).fill(null);
  collect();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < GROUPS; i++) {
    const s = agg.init();
    if (idle) {
      agg.add(s, pool[i & 4095]!, START + i);
      agg.expire(s, START + i);
      agg.expire(s, START + i + WINDOW_MS);
      if (!agg.isEmpty(s)) throw new Error(`${fn}: window did not empty`);
    }
    states[i] = s;
  }
  collect();
  const bytes = (process.memoryUsage().heapUsed - before) / GROUPS;
  // Dropped only now, so the states were alive when the heap was measured.
  states.length = 0;
  return bytes;
}

const mega = (x: number): string => `${(x / 1e6).toFixed(2)}M/s`;
const rows: Array<Record<string, string | number>> = [];
console.log(`window 1m; add+expire+value per event per CPU second; heap per state with ${GROUPS.toLocaleString('en')} states held`);
console.log('aggregate  1 group        100k groups    heap/group(100k, full)  idle state  fresh state');
// Kinds named on the command line, or all of them.
const kinds = process.argv.length > 2 ? AGG_FNS.filter((fn) => process.argv.includes(fn)) : AGG_FNS;

// Every kind goes through the same call sites first, as in the engine, where one condition
// drives any kind: the figures then do not depend on the order the kinds are measured in.
for (const fn of AGG_FNS) throughput(fn, 1, 1, 0, 100_000);
for (const fn of kinds) {
  const single = throughput(fn, 1, 1, 2 * WINDOW_MS, 1_000_000);
  const many = throughput(fn, GROUPS, 100, 100 * WINDOW_MS, 1_000_000);
  const idle = stateBytes(fn, true);
  const fresh = stateBytes(fn, false);
  rows.push({ fn, single: Math.round(single.rate), groups: Math.round(many.rate), groupBytes: Math.round(many.bytesPerGroup), idle: Math.round(idle), fresh: Math.round(fresh) });
  console.log(
    `${fn.padEnd(10)} ${mega(single.rate).padEnd(14)} ${mega(many.rate).padEnd(14)} ${`${Math.round(many.bytesPerGroup)} B`.padEnd(23)} ${`${Math.round(idle)} B`.padEnd(11)} ${Math.round(fresh)} B`,
  );
}
console.log(JSON.stringify({ bench: 'windows', rows }));
