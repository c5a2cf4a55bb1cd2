import { eventually } from '../../support/vigil-process.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CheckSpec } from '../../../engine/model/check-spec.js';
import type { Event } from '../../../engine/model/event.js';
import { CheckScheduler, checkPhaseMs } from '../../../ingest/checks/check-scheduler.js';
import { checkSpec } from './check-spec-fixture.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Requests in progress and the most seen at once, per path. */
const active = new Map<string, number>();
const peak = new Map<string, number>();
/** Requests held by `/gate/N` until N of them are waiting. */
let gated: ServerResponse[] = [];
/** Called when a `/hang` request arrives, with its request. */
let onHang: ((req: IncomingMessage) => void) | undefined;

function handler(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  const now = (active.get(url) ?? 0) + 1;
  active.set(url, now);
  peak.set(url, Math.max(peak.get(url) ?? 0, now));
  res.on('close', () => active.set(url, active.get(url)! - 1));
  const [, route, arg] = url.split('/');
  if (route === 'slow') setTimeout(() => res.end('ok'), Number(arg));
  else if (route === 'hang') onHang?.(req);
  else if (route === 'gate') {
    gated.push(res);
    if (gated.length >= Number(arg)) {
      for (const held of gated) held.end('ok');
      gated = [];
    }
  } else res.end('ok');
}

let server: Server;
let base: string;

before(async () => {
  server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function httpCheck(name: string, path: string, everyMs: number, fields: Partial<CheckSpec> = {}): CheckSpec {
  return checkSpec({ kind: 'http', name, target: `${base}${path}`, everyMs, ...fields });
}

/** A scheduler whose emitted events and batches are collected. */
function collecting(options: { maxConcurrent?: number } = {}): { scheduler: CheckScheduler; events: Event[]; batches: number[] } {
  const events: Event[] = [];
  const batches: number[] = [];
  const scheduler = new CheckScheduler({
    ...options,
    emit: (batch) => {
      batches.push(batch.length);
      events.push(...batch);
    },
  });
  return { scheduler, events, batches };
}

/** Offset of `time` past the check's phase on its grid, in [0, everyMs). */
function offGrid(time: number, phaseMs: number, everyMs: number): number {
  return (((time - phaseMs) % everyMs) + everyMs) % everyMs;
}

test('first runs are spread over the interval at distinct, stable phases', async () => {
  const { scheduler, events } = collecting();
  const checks = Array.from({ length: 100 }, (_, i) => httpCheck(`spread_${i}`, '/ok', 1000));
  const t0 = Date.now();
  scheduler.update(checks);
  const phases = checks.map((c) => scheduler.stats(c.name)!.phaseMs);
  assert.equal(new Set(phases).size, 100, 'phases are distinct');
  assert.deepEqual(phases, checks.map((c) => checkPhaseMs(c.name, 1000)));
  // Wait for the work, not for a fixed time: every check has run once.
  await eventually(() => new Set(events.map((e) => e.check)).size === 100, 'a first run of every check');
  // What the scheduler decided, not when a loaded machine's timers happened to fire: every
  // next run is due on the check's own phase of the grid.
  const due = checks.map((c) => scheduler.stats(c.name)!.nextDueMs);
  await scheduler.stop();

  const buckets = new Array<number>(10).fill(0);
  checks.forEach((c, i) => {
    const off = offGrid(due[i]!, checkPhaseMs(c.name, 1000), 1000);
    assert.ok(off < 1e-6 || 1000 - off < 1e-6, `${c.name} is due at its phase (${off} ms off)`);
    assert.ok(due[i]! > t0, `${c.name} is due after the start`);
    buckets[Math.min(9, Math.floor(phases[i]! / 100))]!++;
  });
  // 100 phases over ten 100 ms slices: no slice empty, none with a herd.
  for (const n of buckets) assert.ok(n >= 1 && n <= 25, `phases per 100 ms: ${buckets.join(' ')}`);
});

test('a check never overlaps itself: a tick during a slow run is skipped, and runs stay on the grid', async () => {
  const { scheduler, events } = collecting();
  const spec = httpCheck('slow_self', '/slow/250', 100);
  scheduler.update([spec]);
  await eventually(() => events.length >= 3 && scheduler.stats('slow_self')!.skipped >= 6, 'three runs and six skipped ticks');
  const stats = scheduler.stats('slow_self')!;
  await scheduler.stop();
  assert.equal(peak.get('/slow/250'), 1, 'never two requests at once');
  assert.ok(events.length >= 3, `${events.length} runs`);
  assert.ok(stats.skipped >= 6, `${stats.skipped} ticks skipped`);
  assert.equal(scheduler.skipped, stats.skipped);
  for (const e of events) {
    assert.equal(e.status, 'up');
    // Started on a due time of the grid, not "previous finish + interval".
    assert.ok(offGrid(e.time, stats.phaseMs, 100) < 20, `run at ${offGrid(e.time, stats.phaseMs, 100)} ms off grid`);
  }
});

test('ticks missed while the process was blocked run once, then the grid resumes', async () => {
  const { scheduler } = collecting();
  scheduler.update([httpCheck('blocked', '/ok', 200)]);
  await sleep(300);
  const before = scheduler.stats('blocked')!;
  const blockUntil = Date.now() + 700;
  while (Date.now() < blockUntil) {
    // Busy: no timer can fire.
  }
  await sleep(1);
  const after = scheduler.stats('blocked')!;
  await scheduler.stop();
  assert.ok(after.missed >= 2, `${after.missed} missed`);
  assert.equal(scheduler.missed, after.missed);
  assert.equal(after.runs - before.runs + (after.busy ? 1 : 0), 1, 'one catch-up run, not one per missed tick');
  assert.ok(after.nextDueMs > blockUntil, 'next due lies after the block');
  assert.ok(offGrid(after.nextDueMs, after.phaseMs, 200) < 1e-6 || 200 - offGrid(after.nextDueMs, after.phaseMs, 200) < 1e-6);
});

test('a wall clock set back is noticed and the checks put back on their grid', async () => {
  let offsetMs = 0;
  const events: Event[] = [];
  const scheduler = new CheckScheduler({ emit: (batch) => events.push(...batch), now: () => Date.now() + offsetMs });
  scheduler.update([httpCheck('clock', '/ok', 200)]);
  await sleep(250);
  offsetMs = -60_000;
  const setBackAt = Date.now() + offsetMs;
  await sleep(450);
  const stats = scheduler.stats('clock')!;
  await scheduler.stop();
  const afterSetBack = events.filter((e) => e.time >= setBackAt && e.time < setBackAt + 1000);
  assert.ok(afterSetBack.length >= 1, `${afterSetBack.length} runs after the clock went back`);
  assert.ok(stats.nextDueMs < Date.now() + offsetMs + 1000, 'next due is near the new time');
});

test('update keeps unchanged checks (in-flight runs too), restarts changed ones, drops removed ones', async () => {
  const { scheduler, events } = collecting();
  const keep = httpCheck('keep', '/ok', 300);
  // A generous timeout: on a loaded machine the 300 ms answer must still count as up.
  const slow = httpCheck('slow_keep', '/slow/300', 400, { timeoutMs: 10_000 });
  const change = httpCheck('change', '/ok', 300);
  const remove = httpCheck('remove', '/ok', 300);
  scheduler.update([keep, slow, change, remove]);
  await sleep(650);
  while (!scheduler.stats('slow_keep')!.busy) await sleep(5);
  const keepBefore = scheduler.stats('keep')!;
  const slowBefore = scheduler.stats('slow_keep')!;
  assert.ok(keepBefore.runs >= 1);

  // Equal specs in new objects: a reload that re-read the same files.
  scheduler.update([{ ...keep }, { ...slow }, { ...change, timeoutMs: 1500 }, httpCheck('added', '/ok', 300)]);
  const updatedAt = Date.now();
  assert.deepEqual(scheduler.stats('keep'), keepBefore);
  assert.deepEqual(scheduler.stats('slow_keep'), slowBefore, 'the in-flight run goes on');
  assert.equal(scheduler.stats('change')!.runs, 0, 'a changed check restarts');
  assert.equal(scheduler.stats('change')!.phaseMs, checkPhaseMs('change', 300));
  assert.equal(scheduler.stats('remove'), undefined);
  assert.equal(scheduler.stats('added')!.runs, 0);
  assert.equal(scheduler.size, 4);

  const after = (name: string): Event[] => events.filter((e) => e.check === name && e.time >= updatedAt);
  const previousStartMs = slowBefore.last?.startMs ?? -Infinity;
  const inFlightDone = (): boolean => events.some((e) => e.check === 'slow_keep' && e.time > previousStartMs && e.time < updatedAt);
  // Wait for the work, not for a fixed time: a loaded machine only makes it slower.
  for (const until = Date.now() + 60_000; Date.now() < until; await sleep(50)) {
    if (inFlightDone() && after('keep').length >= 2 && after('added').length >= 2 && after('change').length >= 2) break;
  }
  await scheduler.stop();
  assert.equal(after('remove').length, 0, 'a removed check emits nothing more');
  assert.ok(after('keep').length >= 2);
  assert.ok(after('added').length >= 2);
  assert.ok(after('change').length >= 2);
  const previousStart = slowBefore.last?.startMs ?? -Infinity;
  assert.ok(
    events.some((e) => e.check === 'slow_keep' && e.time > previousStart && e.time < updatedAt && e.status === 'up'),
    'the run in flight at the reload finished and was emitted',
  );
});

test('stop aborts in-flight probes and emits nothing for them', async () => {
  const { scheduler, events } = collecting();
  const arrived = new Promise<IncomingMessage>((resolve) => (onHang = resolve));
  scheduler.update([httpCheck('hang', '/hang', 200, { timeoutMs: 10_000 })]);
  const req = await arrived;
  const closed = new Promise<void>((resolve) => req.socket.once('close', () => resolve()));
  assert.equal(scheduler.inFlight, 1);
  const t = performance.now();
  await scheduler.stop();
  assert.ok(performance.now() - t < 500, 'stop did not wait for the timeout');
  assert.equal(scheduler.inFlight, 0);
  await closed;
  await sleep(20);
  assert.equal(events.length, 0);
  onHang = undefined;
});

test('maxConcurrent bounds the probes in flight; the rest wait their turn', async () => {
  const { scheduler, events } = collecting({ maxConcurrent: 2 });
  const checks = Array.from({ length: 6 }, (_, i) => httpCheck(`bounded_${i}`, '/slow/150', 200));
  scheduler.update(checks);
  let maxInFlight = 0;
  let sawQueue = false;
  const deadline = Date.now() + 900;
  while (Date.now() < deadline) {
    maxInFlight = Math.max(maxInFlight, scheduler.inFlight);
    sawQueue ||= scheduler.queued > 0;
    await sleep(5);
  }
  await scheduler.stop();
  assert.equal(peak.get('/slow/150'), 2);
  assert.equal(maxInFlight, 2);
  assert.ok(sawQueue, 'runs waited for a slot');
  assert.ok(events.length >= 6);
  const jitter = scheduler.takeJitterMs();
  assert.ok(jitter.some((j) => j >= 50), 'waiting for a slot shows as jitter');
});

test('events carry the check fields and probe extras; runs finishing together are emitted together', async () => {
  const { scheduler, events, batches } = collecting();
  const checks = Array.from({ length: 4 }, (_, i) =>
    httpCheck(`gate_${i}`, '/gate/4', 400, { host: 'web1', service: 'shop', labels: { env: 'test' }, expectStatus: 200 }),
  );
  scheduler.update(checks);
  await eventually(() => events.length >= 4, 'a run of every gate check');
  await scheduler.stop();
  assert.ok(events.length >= 4);
  assert.ok(Math.max(...batches) >= 2, `batches ${batches.join(',')}`);
  const e = events[0]!;
  assert.deepEqual(Object.keys(e).sort(), ['check', 'host', 'labels', 'latency_ms', 'message', 'service', 'status', 'status_code', 'stream', 'time']);
  assert.equal(e.stream, 'health');
  assert.equal(e.status, 'up');
  assert.equal(e.message, 'HTTP 200');
  assert.equal(e.status_code, 200);
  assert.deepEqual(e.labels, { env: 'test' });
  assert.equal(typeof e.latency_ms, 'number');
  const stats = scheduler.stats(e.check as string);
  assert.equal(stats, undefined, 'stopped schedulers forget their checks');
  const jitter = scheduler.takeJitterMs();
  assert.ok(jitter.length >= 4);
  for (const j of jitter) assert.ok(j >= 0 && j < 100, `jitter ${j}`);
});

test('bad options and specs are refused', () => {
  assert.throws(() => new CheckScheduler({ emit: () => {}, maxConcurrent: 0 }), RangeError);
  const scheduler = new CheckScheduler({ emit: () => {} });
  assert.throws(() => scheduler.update([httpCheck('zero', '/ok', 0)]), RangeError);
  assert.equal(scheduler.size, 0);
});
