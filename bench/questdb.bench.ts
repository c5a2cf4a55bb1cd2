/**
 * QuestDB sink benchmark: what storing every event and every timeline entry in a real
 * QuestDB costs the engine at 100,000 events/s.
 *
 * The engine is `Replay` with 300 rules (equality filters, sliding-window averages by host,
 * `absent ... by host`, `latest ... for`) over seeded events. Every run is on a fresh
 * engine over the same events:
 * - flat out, writes off: the engine's own throughput;
 * - paced at 100,000 events/s for `VIGIL_BENCH_SECONDS` (default 6), writes off, then on
 *   (`writeEvent` for every event, `writeTimeline` for every alert change): the engine
 *   thread's CPU share in each. The two alternate for VIGIL_BENCH_ROUNDS rounds (default 3).
 *
 * `questdb_overhead_pct` is the difference of the two median CPU shares, in percent of the
 * engine thread: the throughput the engine gives up to the sink while it stores 100,000
 * events/s. Each paced run with writes on also shows that the sink kept up: rows
 * delivered, nothing dropped, the backlog at the end. Prints figures, then one JSON line.
 * Run with `npm run build && node dist/bench/questdb.bench.js`.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { sleep } from '../runtime/sleep.js';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AlertChange } from '../engine/model/alert-change.js';
import type { Event } from '../engine/model/event.js';
import type { TimelineEntry } from '../engine/model/incident.js';
import { Replay } from '../engine/replay.js';
import type { RuleSpec } from '../engine/rule-spec.js';
import { createQuestDbSink, type QuestDbSink } from '../sinks/questdb/questdb-sink.js';
import { prng } from '../test/support/prng.js';
import { startQuestDb } from '../test/support/questdb.js';
import { median } from './median.js';
import { compileBenchRules } from './compile-rules.js';

const RATE = 100_000;
const SECONDS = Number(process.env.VIGIL_BENCH_SECONDS ?? 6);
const HOSTS = 200;
const ROUNDS = Number(process.env.VIGIL_BENCH_ROUNDS ?? 3);

function rules(): RuleSpec[] {
  const out: string[] = [];
  for (let i = 0; i < 150; i++) out.push(`rule svc_errors_${i} { when logs where service == "svc${i}" and level == "error" }`);
  for (let i = 0; i < 60; i++) out.push(`rule check_down_${i} { when latest health where check == "check${i}" by host is status == "down" for 30s }`);
  for (let i = 0; i < 60; i++) out.push(`rule metric_hot_${i} { when avg(value) of metrics where name == "metric${i}" over 1m by host > 95 for 1m }`);
  for (let i = 0; i < 30; i++) out.push(`rule check_silent_${i} { when absent health where check == "check${60 + i}" for 5m by host }`);
  return [...compileBenchRules(out.join('\n')).rules];
}

/** Logs, metrics and health results, about 100 per millisecond of event time. */
function makeEvents(n: number, seed: number): Event[] {
  const rand = prng(seed);
  let time = Date.parse('2026-05-01T00:00:00Z');
  const levels = ['debug', 'info', 'info', 'info', 'warning', 'error'];
  const events: Event[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 100 === 0) time += 1;
    const host = `host${Math.floor(rand() * HOSTS)}`;
    const r = rand();
    if (r < 0.5) {
      events.push({ stream: 'logs', time, host, service: `svc${Math.floor(rand() * 200)}`, level: levels[Math.floor(rand() * levels.length)]!, message: 'request handled' });
    } else if (r < 0.8) {
      events.push({ stream: 'metrics', time, host, name: `metric${Math.floor(rand() * 80)}`, value: Math.round(rand() * 1000) / 10 });
    } else {
      events.push({ stream: 'health', time, host, check: `check${Math.floor(rand() * 100)}`, status: rand() < 0.05 ? 'down' : 'up', latency_ms: Math.floor(rand() * 200) });
    }
  }
  return events;
}

/** Timeline entries as the service would write them for alert changes. */
function timelineWriter(sink: QuestDbSink): (c: AlertChange) => void {
  let id = 0;
  return (c) => {
    const entry: TimelineEntry = {
      id: ++id,
      time: c.time,
      incident: null,
      rule: c.rule,
      kind: c.state === 'pending' ? 'pending' : c.state === 'firing' ? 'firing' : 'resolved',
      labels: c.labels,
      detail: { value: c.value },
    };
    sink.writeTimeline(entry);
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Flat out, yielding to the event loop every 1,000 events (as a server would). */
async function flatOut(specs: RuleSpec[], events: readonly Event[]): Promise<number> {
  const replay = new Replay({ rules: specs, onChange: () => {} });
  const t0 = performance.now();
  for (let i = 0; i < events.length; i += 1000) {
    const end = Math.min(events.length, i + 1000);
    for (let j = i; j < end; j++) replay.push(events[j]!);
    await tick();
  }
  return events.length / ((performance.now() - t0) / 1000);
}

/**
 * CPU seconds the engine thread (the main thread, whose thread id is the process id) has
 * used, from /proc on Linux; undefined elsewhere. Unlike the event loop's busy share, this
 * does not grow when the thread waits for a core the sender thread or QuestDB holds.
 */
function mainThreadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** At `RATE` events/s by the wall clock; returns the engine thread's busy share and CPU share. */
async function paced(
  specs: RuleSpec[],
  events: readonly Event[],
  sink: QuestDbSink | undefined,
): Promise<{ busy: number; cpu: number | undefined; processCpu: number; seconds: number }> {
  const onChange = sink === undefined ? () => {} : timelineWriter(sink);
  const replay = new Replay({ rules: specs, onChange });
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = mainThreadCpuSeconds();
  const process0 = process.cpuUsage();
  const t0 = performance.now();
  let i = 0;
  while (i < events.length) {
    const due = Math.min(events.length, Math.floor(((performance.now() - t0) * RATE) / 1000));
    for (; i < due; i++) {
      const e = events[i]!;
      replay.push(e);
      sink?.writeEvent(e);
    }
    await sleep(1);
  }
  const elu = performance.eventLoopUtilization(elu0);
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = mainThreadCpuSeconds();
  const processUsage = process.cpuUsage(process0);
  return {
    busy: elu.utilization,
    cpu: cpu0 === undefined || cpu1 === undefined ? undefined : (cpu1 - cpu0) / seconds,
    processCpu: (processUsage.user + processUsage.system) / 1e6 / seconds,
    seconds,
  };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

async function main(): Promise<void> {
  const specs = rules();
  const events = makeEvents(RATE * SECONDS, 42);
  process.stdout.write(`${specs.length} rules, ${fmt(events.length)} events, QuestDB 9.3.4 on this machine\n`);
  const server = await startQuestDb();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'vigil-qdb-bench-'));
  try {
    await flatOut(specs, events.slice(0, 100_000));
    const flat = Math.max(await flatOut(specs, events), await flatOut(specs, events));
    process.stdout.write(`flat out, writes off:   ${fmt(flat)} events/s\n`);

    const pct = (x: number | undefined): string => (x === undefined ? 'n/a' : `${(x * 100).toFixed(1)}%`);
    const sink = await createQuestDbSink({ config: server.config, dataDir, maxBufferBytes: 256 << 20, log: (m) => process.stderr.write(`${m}\n`) });
    // Warm the sink and its sender thread, then start counting from zero backlog.
    for (const e of events.slice(0, 20_000)) sink.writeEvent({ ...e, stream: 'warmup' });
    await sink.flush();

    // The machine is shared: alternate writes off and on, and compare the medians.
    const offRuns: Awaited<ReturnType<typeof paced>>[] = [];
    const onRuns: (Awaited<ReturnType<typeof paced>> & { rows: number; backlog: number; drainMs: number; requests: number })[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const off = await paced(specs, events, undefined);
      offRuns.push(off);
      process.stdout.write(
        `round ${round}, paced ${fmt(RATE)}/s, writes off: engine thread CPU ${pct(off.cpu)}, event loop busy ${pct(off.busy)}, whole process CPU ${pct(off.processCpu)} over ${off.seconds.toFixed(1)} s\n`,
      );
      const before = sink.stats();
      const on = await paced(specs, events, sink);
      const atEnd = sink.stats();
      const drainStart = performance.now();
      await sink.flush();
      const drainMs = performance.now() - drainStart;
      const after = sink.stats();
      const rows = after.sentRows - before.sentRows;
      onRuns.push({ ...on, rows, backlog: atEnd.queuedRows, drainMs, requests: after.requests - before.requests });
      process.stdout.write(
        `round ${round}, paced ${fmt(RATE)}/s, writes on:  engine thread CPU ${pct(on.cpu)}, event loop busy ${pct(on.busy)}, whole process CPU ${pct(on.processCpu)} over ${on.seconds.toFixed(1)} s\n` +
          `  ${fmt(rows)} rows stored (${fmt(rows - events.length)} timeline), backlog at the end ${fmt(atEnd.queuedRows)} rows, drained in ${fmt(drainMs)} ms, ` +
          `${after.requests - before.requests} requests, ${after.droppedRows} dropped, ${after.spoolFiles} spool files\n`,
      );
    }
    const final = sink.stats();
    await sink.close();
    // The engine thread's CPU when /proc tells it; otherwise its event loop's busy share.
    const share = (r: { cpu: number | undefined; busy: number }): number => r.cpu ?? r.busy;
    const off = { cpu: offRuns.every((r) => r.cpu !== undefined) ? median(offRuns.map((r) => r.cpu!)) : undefined, busy: median(offRuns.map((r) => r.busy)), processCpu: median(offRuns.map((r) => r.processCpu)) };
    const on = { cpu: onRuns.every((r) => r.cpu !== undefined) ? median(onRuns.map((r) => r.cpu!)) : undefined, busy: median(onRuns.map((r) => r.busy)), processCpu: median(onRuns.map((r) => r.processCpu)), seconds: median(onRuns.map((r) => r.seconds)) };
    const rows = onRuns[onRuns.length - 1]!.rows;
    const overhead = (share(on) - share(off)) * 100;
    const perEventUs = ((share(on) - share(off)) * on.seconds * 1e6) / events.length;
    const busyOverhead = (on.busy - off.busy) * 100;
    process.stdout.write(
      `medians of ${ROUNDS} rounds: engine thread CPU ${pct(off.cpu)} writes off, ${pct(on.cpu)} writes on\n` +
        `sink cost on the engine thread: ${perEventUs.toFixed(2)} µs per event = ${overhead.toFixed(1)}% of its throughput at ${fmt(RATE)} events/s (target ≤ 15%)\n` +
        `  (event loop busy share, which also counts waiting for a core the sender thread or QuestDB holds on this ${cpus().length}-core machine: +${busyOverhead.toFixed(1)} points)\n`,
    );
    process.stdout.write(
      JSON.stringify({
        questdb_overhead_pct: Math.round(overhead * 10) / 10,
        rate_events_per_s: RATE,
        sink_us_per_event: Math.round(perEventUs * 100) / 100,
        engine_thread_cpu_pct_writes_off: off.cpu === undefined ? null : Math.round(off.cpu * 1000) / 10,
        engine_thread_cpu_pct_writes_on: on.cpu === undefined ? null : Math.round(on.cpu * 1000) / 10,
        event_loop_busy_pct_writes_off: Math.round(off.busy * 1000) / 10,
        event_loop_busy_pct_writes_on: Math.round(on.busy * 1000) / 10,
        process_cpu_pct_writes_off: Math.round(off.processCpu * 1000) / 10,
        process_cpu_pct_writes_on: Math.round(on.processCpu * 1000) / 10,
        flat_out_events_per_s_writes_off: Math.round(flat),
        rows_stored_last_round: rows,
        backlog_rows_at_end_max: Math.max(...onRuns.map((r) => r.backlog)),
        drain_ms_max: Math.round(Math.max(...onRuns.map((r) => r.drainMs))),
        dropped_rows: final.droppedRows,
        cores: cpus().length,
      }) + '\n',
    );
  } finally {
    await server.dispose();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});
