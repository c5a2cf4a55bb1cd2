/**
 * The three workloads of the side-by-side benchmark with Esper, each as the same rules in
 * vigil's language and in Esper's EPL, over the same seeded events: (a) filter rules, (b)
 * mixed rules of the shipped kinds (sliding-window thresholds by group, `latest ... is`,
 * absence, `then ... within`), (c) one `avg over 1m by host` over many hosts.
 *
 * EPL statement names carry how their output turns into alert firings (see
 * EsperBench.java), so both engines are counted on the same alert semantics. Metric values
 * are whole numbers: Esper's running sums then stay exact, like vigil's, and a threshold
 * never flips on a rounding difference.
 */
import type { Event } from '../../engine/model/event.js';
import { prng } from '../../test/support/prng.js';

/** One workload: its rules in both languages and its events. */
export interface Scenario {
  readonly name: 'filter' | 'mixed' | 'window';
  readonly vigil: string;
  readonly epl: string;
  readonly events: readonly Event[];
  /** Most groups a rule may hold (the window workload has one per host). */
  readonly maxGroupsPerRule: number;
}

/** Sizes of the workloads; the benchmark uses the defaults, the agreement test small ones. */
export interface ScenarioSizes {
  readonly events: number;
  /** Rules of (a) and of (b). */
  readonly rules: number;
  /** Hosts of (c). */
  readonly windowHosts: number;
}

export const BENCH_SIZES: ScenarioSizes = { events: 1_000_000, rules: 1_000, windowHosts: 100_000 };

const HOSTS = 200;
const START = Date.parse('2026-01-01T00:00:00Z');

/** Logs, metrics and health events, about 1,000 a second of event time, most matching no rule. */
function mixedEvents(n: number, rules: number, seed: number): Event[] {
  const rand = prng(seed);
  // A quarter more names than rules use, so some events match nothing.
  const names = Math.ceil(rules * 1.25);
  const levels = ['debug', 'info', 'info', 'warning', 'warning', 'error'];
  const events: Event[] = [];
  let time = START;
  for (let i = 0; i < n; i++) {
    if (rand() < 0.9) time += 1;
    const host = `host${Math.floor(rand() * HOSTS)}`;
    const r = rand();
    if (r < 0.5) {
      events.push({ stream: 'logs', time, host, service: `svc${Math.floor(rand() * names)}`, level: levels[Math.floor(rand() * levels.length)]! });
    } else if (r < 0.8) {
      events.push({ stream: 'metrics', time, host, name: `metric${Math.floor(rand() * names)}`, value: Math.floor(rand() * 1001) });
    } else {
      events.push({ stream: 'health', time, host, check: `check${Math.floor(rand() * names)}`, status: rand() < 0.1 ? 'down' : 'up' });
    }
  }
  return events;
}

/** (a) Filter rules: an equality on service/check/name plus one more, no grouping. */
function filterScenario(sizes: ScenarioSizes, events: readonly Event[]): Scenario {
  const vigil: string[] = [];
  const epl: string[] = [];
  const half = Math.floor(sizes.rules / 2);
  const quarter = Math.floor(sizes.rules / 4);
  for (let i = 0; i < half; i++) {
    vigil.push(`rule svc_errors_${i} { when logs where service == "svc${i}" and level == "error" }`);
    epl.push(`@name('occurs:svc_errors_${i}') select t from Log(service='svc${i}', level='error');`);
  }
  for (let i = 0; i < quarter; i++) {
    vigil.push(`rule check_down_${i} { when health where check == "check${i}" and status == "down" }`);
    epl.push(`@name('occurs:check_down_${i}') select t from Health(check='check${i}', status='down');`);
  }
  for (let i = 0; i < sizes.rules - half - quarter; i++) {
    vigil.push(`rule metric_seen_${i} { when metrics where name == "metric${i}" and host == "host${i % HOSTS}" }`);
    epl.push(`@name('occurs:metric_seen_${i}') select t from Metric(name='metric${i}', host='host${i % HOSTS}');`);
  }
  return { name: 'filter', vigil: vigil.join('\n'), epl: epl.join('\n'), events, maxGroupsPerRule: 100_000 };
}

/** (b) Mixed rules: a quarter each of window thresholds, `latest`, absence and sequences, all by host. */
function mixedScenario(sizes: ScenarioSizes, events: readonly Event[]): Scenario {
  const vigil: string[] = [];
  const epl: string[] = [];
  const quarter = Math.floor(sizes.rules / 4);
  for (let i = 0; i < quarter; i++) {
    vigil.push(`rule metric_hot_${i} { when avg(value) of metrics where name == "metric${i}" over 1m by host > 900 }`);
    epl.push(`@name('thr:metric_hot_${i}') select host, avg(value) > 900 as h from Metric(name='metric${i}')#groupwin(host)#time(60 sec) group by host;`);
  }
  for (let i = 0; i < quarter; i++) {
    vigil.push(`rule check_failing_${i} { when latest health where check == "check${i}" by host is status == "down" }`);
    epl.push(`@name('latest:check_failing_${i}') select host, status = 'down' as h from Health(check='check${i}');`);
  }
  for (let i = 0; i < quarter; i++) {
    const check = `check${quarter + i}`;
    vigil.push(`rule check_silent_${i} { when absent health where check == "${check}" for 5m by host }`);
    epl.push(`@name('absent:check_silent_${i}') select a.host as host from pattern [every a=Health(check='${check}') -> (timer:interval(5 min) and not Health(check='${check}', host=a.host))];`);
  }
  for (let i = 0; i < sizes.rules - 3 * quarter; i++) {
    const svc = `svc${i}`;
    vigil.push(`rule error_after_warning_${i} { when logs where service == "${svc}" and level == "warning" then logs where service == "${svc}" and level == "error" within 1m by host }`);
    // The host's latest warning, as vigil keeps it; "within 1m" includes the minute's end.
    epl.push(
      `@name('seq:error_after_warning_${i}') select b.host as host, b.t as t from Log(service='${svc}', level='error') as b unidirectional, ` +
        `Log(service='${svc}', level='warning')#unique(host) as a where a.host = b.host and b.t - a.t <= 60000;`,
    );
  }
  return { name: 'mixed', vigil: vigil.join('\n'), epl: epl.join('\n'), events, maxGroupsPerRule: 100_000 };
}

/** (c) One sliding-window average by host over many hosts, 20 events a millisecond. */
function windowScenario(sizes: ScenarioSizes, seed: number): Scenario {
  const rand = prng(seed);
  const events: Event[] = [];
  for (let i = 0; i < sizes.events; i++) {
    events.push({ stream: 'metrics', time: START + Math.floor(i / 20), name: 'cpu', host: `host-${i % sizes.windowHosts}`, value: Math.floor(rand() * 1001) });
  }
  return {
    name: 'window',
    vigil: 'rule cpu_hot { when avg(value) of metrics where name == "cpu" over 1m by host > 995 }',
    epl: `@name('thr:cpu_hot') select host, avg(value) > 995 as h from Metric(name='cpu')#groupwin(host)#time(60 sec) group by host;`,
    events,
    maxGroupsPerRule: sizes.windowHosts * 2,
  };
}

/** The three workloads at `sizes`, seeded. */
export function scenarios(sizes: ScenarioSizes = BENCH_SIZES, seed = 42): Scenario[] {
  const events = mixedEvents(sizes.events, sizes.rules, seed);
  return [filterScenario(sizes, events), mixedScenario(sizes, events), windowScenario(sizes, seed + 1)];
}

/** Events as the lines EsperBench.java reads. */
export function eventLines(events: readonly Event[]): string {
  const out: string[] = [];
  for (const e of events) {
    if (e.stream === 'logs') out.push(`L,${e.time},${e.host},${e.service},${e.level}`);
    else if (e.stream === 'metrics') out.push(`M,${e.time},${e.host},${e.name},${e.value}`);
    else out.push(`H,${e.time},${e.host},${e.check},${e.status}`);
  }
  return out.join('\n') + '\n';
}
