import type { CheckSpec } from '../../engine/model/check-spec.js';
import type { Event } from '../../engine/model/event.js';
import { TimerQueue } from '../../engine/timer-queue.js';
import type { ProbeOptions, ProbeResult } from './probe.js';
import { runProbe } from './run-probe.js';

/** Default most probes in flight at once. */
export const DEFAULT_MAX_CONCURRENT = 256;

/** Longest the scheduler sleeps, so a wall clock set back is noticed within this. */
const MAX_SLEEP_MS = 1000;

/** Jitter samples kept between two reads; older ones are overwritten. */
const JITTER_CAPACITY = 65_536;

/** What a scheduler needs: where its events go, and optionally its clock and concurrency bound. */
export interface CheckSchedulerOptions {
  /** Receives the `health` events of the runs that finished in one turn of the event loop. */
  readonly emit: (events: Event[]) => void;
  /** Wall clock in epoch ms: due times, event times and jitter are read from it. */
  readonly now?: () => number;
  /** Most probes in flight at once; due runs past it wait, in due order. */
  readonly maxConcurrent?: number;
  /** Passed to every probe (e.g. a private CA for https and tls checks). */
  readonly probeOptions?: ProbeOptions;
}

/** The last finished run of a check. */
export interface CheckRun {
  /** When the run was due (epoch ms, fractional: phases are spread below the millisecond). */
  readonly dueMs: number;
  /** When the probe started: the event's `time`. */
  readonly startMs: number;
  /** `startMs - dueMs`: timer lateness plus any wait for a free slot. */
  readonly jitterMs: number;
  readonly result: ProbeResult;
}

/** One check's schedule and counters, for tests, benchmarks and status pages. */
export interface CheckStats {
  /** Offset of the check's runs within its interval: runs are due at `phaseMs + k * everyMs`. */
  readonly phaseMs: number;
  readonly nextDueMs: number;
  /** Runs finished since the check was (re)started. */
  readonly runs: number;
  /** Due ticks skipped because the previous run was still going. */
  readonly skipped: number;
  /** Ticks that passed while the process could not run them (blocked or clock jump). */
  readonly missed: number;
  /** A run is waiting for a slot or in flight. */
  readonly busy: boolean;
  readonly last: CheckRun | undefined;
}

interface ScheduledCheck {
  readonly spec: CheckSpec;
  readonly key: string;
  readonly phaseMs: number;
  /** The next due time is `phaseMs + nextTick * everyMs`; kept as a count so no error accumulates. */
  nextTick: number;
  runs: number;
  skipped: number;
  missed: number;
  busy: boolean;
  /** Set once the check was removed, changed or stopped: its pending work is dropped. */
  retired: boolean;
  /** Aborted on retirement: ends the check's in-flight probe. */
  readonly controller: AbortController;
  last: CheckRun | undefined;
}

interface DueRun {
  readonly check: ScheduledCheck;
  readonly dueMs: number;
}

/**
 * 32-bit hash of a string, stable across processes and releases: FNV-1a, then MurmurHash3's
 * finaliser, without which names that differ only in their last characters (`web_1`,
 * `web_2`, ...) differ only in the low bits and would bunch together in the interval.
 */
function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/**
 * Where in its interval a check runs: its name's hash scaled to `[0, everyMs)`. Stable, so
 * a restart or reload keeps each check's rhythm, and fractional, so even many checks on a
 * short interval get distinct phases and start evenly spread, never all at once.
 */
export function checkPhaseMs(name: string, everyMs: number): number {
  return (stableHash(name) / 2 ** 32) * everyMs;
}

/** What makes two specs the same check: any difference restarts it on reload. */
function specKey(spec: CheckSpec): string {
  const labels = spec.labels === undefined ? null : Object.entries(spec.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([
    spec.kind,
    spec.target,
    spec.argv,
    spec.everyMs,
    spec.timeoutMs,
    spec.expectStatus ?? null,
    spec.expectBodyContains ?? null,
    spec.host ?? null,
    spec.service ?? null,
    labels,
  ]);
}

/**
 * Runs the active health checks live: each check every `everyMs` at a stable phase of its
 * own (so thousands of checks start spread over their interval), due times on a fixed grid
 * of the wall clock (no drift: a slow run does not push the next one back; ticks missed while
 * the process was blocked are run once, then the grid resumes), never two runs of one check
 * at once (a tick that comes while the previous run is still going is skipped and counted),
 * and at most `maxConcurrent` probes in flight (the rest wait in due order). One timer
 * serves all checks, over a heap of due times. Every finished run becomes one `health`
 * event; the events of runs that finish in the same turn of the event loop are emitted
 * together. Runs cut short by `update` or `stop` emit nothing: they say nothing about the
 * target, and a `down` there would raise false alerts. Its timer keeps the process alive
 * until `stop`.
 */
export class CheckScheduler {
  private readonly emit: (events: Event[]) => void;
  private readonly now: () => number;
  private readonly maxConcurrent: number;
  private readonly probeOptions: ProbeOptions;

  private checks = new Map<string, ScheduledCheck>();
  private dueQueue = new TimerQueue();
  /** Due runs waiting for a slot, oldest first, from `waitingHead` on. */
  private waiting: (DueRun | undefined)[] = [];
  private waitingHead = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerDueMs = Infinity;
  private lastTickMs = -Infinity;
  private stopped = false;

  private outbox: Event[] = [];
  private flushPending = false;

  private inFlightCount = 0;
  private idleWaiters: (() => void)[] = [];

  private runCount = 0;
  private skippedCount = 0;
  private missedCount = 0;
  private readonly jitter = new Float64Array(JITTER_CAPACITY);
  private jitterWritten = 0;
  private jitterRead = 0;

  constructor(options: CheckSchedulerOptions) {
    if (typeof options.emit !== 'function') throw new TypeError('CheckScheduler: emit must be a function');
    const maxConcurrent = options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT;
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
      throw new RangeError(`CheckScheduler: maxConcurrent must be a positive integer, got ${maxConcurrent}`);
    }
    this.emit = options.emit;
    this.now = options.now ?? Date.now;
    this.maxConcurrent = maxConcurrent;
    this.probeOptions = options.probeOptions ?? {};
  }

  /** Runs finished (and emitted) since the scheduler was made. */
  get runs(): number {
    return this.runCount;
  }

  /** Probes running now. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Due runs waiting for a free slot. */
  get queued(): number {
    return this.waiting.length - this.waitingHead;
  }

  /** Ticks skipped because the check's previous run was still going. */
  get skipped(): number {
    return this.skippedCount;
  }

  /** Ticks that passed unrun while the process was blocked (each check ran once instead). */
  get missed(): number {
    return this.missedCount;
  }

  /** Number of scheduled checks. */
  get size(): number {
    return this.checks.size;
  }

  /** One check's schedule, counters and last result; undefined for an unknown name. */
  stats(name: string): CheckStats | undefined {
    const check = this.checks.get(name);
    if (check === undefined) return undefined;
    return {
      phaseMs: check.phaseMs,
      nextDueMs: check.phaseMs + check.nextTick * check.spec.everyMs,
      runs: check.runs,
      skipped: check.skipped,
      missed: check.missed,
      busy: check.busy,
      last: check.last,
    };
  }

  /**
   * The jitter (start minus due time, ms) of every run started since the last call, oldest
   * first; at most the latest 65,536 when more came in between.
   */
  takeJitterMs(): Float64Array {
    const count = Math.min(this.jitterWritten - this.jitterRead, JITTER_CAPACITY);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = this.jitter[(this.jitterWritten - count + i) % JITTER_CAPACITY]!;
    this.jitterRead = this.jitterWritten;
    return out;
  }

  /**
   * Makes `checks` the scheduled set (a reload): an unchanged check keeps its schedule,
   * counters and any run in flight; a new one starts at its next phase; a removed one stops
   * and its in-flight run is aborted; a changed one is removed and started anew. Names are
   * unique; of duplicates the first wins. Does nothing once stopped.
   */
  update(checks: readonly CheckSpec[]): void {
    for (const spec of checks) {
      if (!(Number.isFinite(spec.everyMs) && spec.everyMs > 0)) {
        throw new RangeError(`check ${spec.name}: everyMs must be a positive number, got ${spec.everyMs}`);
      }
    }
    if (this.stopped) return;
    const now = this.now();
    const next = new Map<string, ScheduledCheck>();
    for (const spec of checks) {
      if (next.has(spec.name)) continue;
      const key = specKey(spec);
      const old = this.checks.get(spec.name);
      if (old !== undefined && old.key === key) {
        next.set(spec.name, old);
        continue;
      }
      if (old !== undefined) this.retire(old);
      next.set(spec.name, this.start(spec, key, now));
    }
    for (const [name, old] of this.checks) if (!next.has(name)) this.retire(old);
    this.checks = next;
    this.arm(now);
  }

  /**
   * Stops for good: no further runs, in-flight probes aborted (their results dropped).
   * Events of runs that had already finished are emitted before it resolves. Resolves once
   * no probe is in flight.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const check of this.checks.values()) this.retire(check);
    this.checks.clear();
    this.dueQueue = new TimerQueue();
    this.waiting = [];
    this.waitingHead = 0;
    this.flush();
    if (this.inFlightCount > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private start(spec: CheckSpec, key: string, now: number): ScheduledCheck {
    const phaseMs = checkPhaseMs(spec.name, spec.everyMs);
    const check: ScheduledCheck = {
      spec,
      key,
      phaseMs,
      nextTick: Math.ceil((now - phaseMs) / spec.everyMs),
      runs: 0,
      skipped: 0,
      missed: 0,
      busy: false,
      retired: false,
      controller: new AbortController(),
      last: undefined,
    };
    this.enqueue(check);
    return check;
  }

  private enqueue(check: ScheduledCheck): void {
    const tick = check.nextTick;
    this.dueQueue.add(check.phaseMs + tick * check.spec.everyMs, () => this.due(check, tick));
  }

  private retire(check: ScheduledCheck): void {
    check.retired = true;
    check.controller.abort();
  }

  /** (Re)sets the one timer for the earliest due time, unless it is already set for it. */
  private arm(now: number): void {
    if (this.stopped) return;
    const dueMs = this.dueQueue.peekDue();
    if (dueMs === undefined) {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.timerDueMs = Infinity;
      return;
    }
    const wakeMs = Math.min(dueMs, now + MAX_SLEEP_MS);
    if (this.timer !== undefined && this.timerDueMs <= wakeMs) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerDueMs = wakeMs;
    this.timer = setTimeout(this.tick, Math.max(0, Math.ceil(wakeMs - now)));
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    this.timerDueMs = Infinity;
    const now = this.now();
    if (now < this.lastTickMs - MAX_SLEEP_MS) this.realign(now);
    this.lastTickMs = now;
    for (let entry = this.dueQueue.popDue(now); entry !== undefined; entry = this.dueQueue.popDue(now)) entry.fire();
    this.startWaiting();
    this.arm(now);
  };

  /**
   * The wall clock was set back: every check's next due time would lie up to that far in
   * the future, so each is put back on its grid relative to the new time.
   */
  private realign(now: number): void {
    this.dueQueue = new TimerQueue();
    for (const check of this.checks.values()) {
      check.nextTick = Math.ceil((now - check.phaseMs) / check.spec.everyMs);
      this.enqueue(check);
    }
  }

  /** Tick `tick` of `check` is due: schedule the next one, then run this one unless busy. */
  private due(check: ScheduledCheck, tick: number): void {
    if (check.retired || tick !== check.nextTick) return;
    const everyMs = check.spec.everyMs;
    const now = this.now();
    // Ticks that passed while the process could not act collapse into this one run.
    const behind = Math.floor((now - (check.phaseMs + tick * everyMs)) / everyMs);
    const runTick = behind > 0 ? tick + behind : tick;
    if (behind > 0) {
      check.missed += behind;
      this.missedCount += behind;
    }
    check.nextTick = runTick + 1;
    this.enqueue(check);
    if (check.busy) {
      check.skipped++;
      this.skippedCount++;
      return;
    }
    check.busy = true;
    this.waiting.push({ check, dueMs: check.phaseMs + runTick * everyMs });
  }

  /** Starts waiting runs, oldest due first, while slots are free. */
  private startWaiting(): void {
    while (this.inFlightCount < this.maxConcurrent && this.waitingHead < this.waiting.length) {
      const run = this.waiting[this.waitingHead]!;
      this.waiting[this.waitingHead++] = undefined;
      if (!run.check.retired) this.run(run.check, run.dueMs);
    }
    if (this.waitingHead === this.waiting.length) {
      this.waiting.length = 0;
      this.waitingHead = 0;
    } else if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitingHead);
      this.waitingHead = 0;
    }
  }

  private run(check: ScheduledCheck, dueMs: number): void {
    this.inFlightCount++;
    const startMs = this.now();
    const jitterMs = startMs - dueMs;
    this.jitter[this.jitterWritten % JITTER_CAPACITY] = jitterMs;
    this.jitterWritten++;
    void runProbe(check.spec, check.controller.signal, this.probeOptions).then((result) => this.finished(check, { dueMs, startMs, jitterMs, result }));
  }

  private finished(check: ScheduledCheck, run: CheckRun): void {
    this.inFlightCount--;
    check.busy = false;
    if (!check.retired) {
      check.runs++;
      check.last = run;
      this.runCount++;
      this.outbox.push(healthEvent(check.spec, run));
      if (!this.flushPending) {
        this.flushPending = true;
        setImmediate(this.flush);
      }
    }
    if (this.inFlightCount === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
    this.startWaiting();
  }

  private readonly flush = (): void => {
    this.flushPending = false;
    if (this.outbox.length === 0) return;
    const events = this.outbox;
    this.outbox = [];
    this.emit(events);
  };
}

/** The `health` event of one run: common fields, the check's host/service/labels, then the probe's extras. */
function healthEvent(spec: CheckSpec, run: CheckRun): Event {
  const event: Record<string, unknown> = {
    stream: 'health',
    time: run.startMs,
    check: spec.name,
    status: run.result.status,
    latency_ms: run.result.latencyMs,
    message: run.result.message,
  };
  if (spec.host !== undefined) event.host = spec.host;
  if (spec.service !== undefined) event.service = spec.service;
  if (spec.labels !== undefined) event.labels = spec.labels;
  for (const [field, value] of Object.entries(run.result.extra)) if (!(field in event)) event[field] = value;
  return event as unknown as Event;
}
