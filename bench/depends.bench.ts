/**
 * Dependency suppression benchmark: one switch alert, then `VIGIL_BENCH_HOSTS` (2,000 by
 * default) host alerts behind it in one input, through the whole core. The same hosts are
 * held back once by `depends host on switch=$switch` and once by the peer mechanism, an
 * `inhibit` with `equal switch`; rounds alternate. Prints figures, then one JSON line.
 * Run with `npm run bench:depends`.
 */
import { Core } from '../engine/core.js';
import type { Event } from '../engine/model/event.js';
import { compileBenchRules } from './compile-rules.js';
import { median } from './median.js';

const HOSTS = Number(process.env.VIGIL_BENCH_HOSTS ?? 2000);
const ROUNDS = 3;
const BASE = `
channel pager webhook { url "http://127.0.0.1:1/pager" }
rule switch_down { when latest health where check == "switch" by switch is status == "down" notify pager }
rule host_down { when latest health where check == "ping" by host, switch is status == "down" notify pager }
`;
const WAYS = {
  depends: `${BASE}depends host on switch=$switch`,
  inhibit: `${BASE}inhibit sw { source rule == "switch_down" target rule == "host_down" equal switch }`,
};

function run(text: string): { ms: number; paged: number } {
  const set = compileBenchRules(text);
  const core = new Core({ start: 0, rules: { rules: set.rules, policies: set.policies }, externalChannels: [], incidentUrl: (id) => id, maxGroupsPerRule: HOSTS + 10 });
  core.start();
  core.apply({ t: 'events', at: 1, events: [{ stream: 'health', time: 1, check: 'switch', switch: 'sw1', status: 'down' }] });
  const hosts: Event[] = [];
  for (let i = 0; i < HOSTS; i++) hosts.push({ stream: 'health', time: 2, check: 'ping', host: `h${i}`, switch: 'sw1', status: 'down' });
  const t0 = performance.now();
  const effects = core.apply({ t: 'events', at: 2, events: hosts });
  const ms = performance.now() - t0;
  return { ms, paged: effects.notifications.length };
}

const times: Record<keyof typeof WAYS, number[]> = { depends: [], inhibit: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const way of Object.keys(WAYS) as (keyof typeof WAYS)[]) {
    const r = run(WAYS[way]);
    if (r.paged !== 0) throw new Error(`${way}: ${r.paged} hosts paged`);
    times[way].push(r.ms);
    console.log(`round ${round + 1} ${way}: ${HOSTS} hosts held back in ${r.ms.toFixed(1)} ms (${((r.ms * 1000) / HOSTS).toFixed(1)} µs per host), 0 paged`);
  }
}
const depends = median(times.depends);
const inhibit = median(times.inhibit);
console.log(`medians: depends ${depends.toFixed(1)} ms, inhibit ${inhibit.toFixed(1)} ms; ratio ${(depends / inhibit).toFixed(2)}`);
console.log(JSON.stringify({ bench: 'depends', hosts: HOSTS, dependsMs: Number(depends.toFixed(1)), inhibitMs: Number(inhibit.toFixed(1)), ratio: Number((depends / inhibit).toFixed(2)) }));
