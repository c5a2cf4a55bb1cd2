/**
 * Group-cap benchmark: new hosts arriving past `engine.maxGroupsPerRule` (10,000), in rounds
 * of 10,000, for three rules: groups whose windows still hold events (nothing can be evicted,
 * every new group is refused), groups that are idle at once (each new group evicts), and
 * groups that fire (never evicted, so refused). The time per new group should stay flat from
 * round to round. Prints figures, then one JSON line. Run with `npm run bench:groups`;
 * `VIGIL_BENCH_ROUNDS` sets the rounds (6 by default: 60,000 new hosts).
 */
import type { Event } from '../engine/model/event.js';
import { Replay } from '../engine/replay.js';
import { compileBenchRules } from './compile-rules.js';

const CAP = 10_000;
const ROUND = 10_000;

const CASES: Record<string, { rule: string; event: (host: string, time: number) => Event }> = {
  windows_busy: {
    rule: 'rule busy { when count of logs over 1h by host > 100 }',
    event: (host, time) => ({ stream: 'logs', time, host, level: 'info' }),
  },
  idle: {
    rule: 'rule idle { when latest health by host is status == "down" }',
    event: (host, time) => ({ stream: 'health', time, host, status: 'up' }),
  },
  firing: {
    rule: 'rule firing { when latest health by host is status == "down" }',
    event: (host, time) => ({ stream: 'health', time, host, status: 'down' }),
  },
};

function main(): void {
  const rounds = Number(process.env.VIGIL_BENCH_ROUNDS ?? 6);
  const start = Date.parse('2026-01-01T00:00:00Z');
  const figures: Record<string, number | number[]> = {};
  for (const [name, c] of Object.entries(CASES)) {
    let refused = 0;
    const replay = new Replay({ rules: [...compileBenchRules(c.rule).rules], onChange: () => {}, maxGroupsPerRule: CAP, onGroupCap: () => refused++ });
    let time = start;
    // Fill the rule up to its cap first.
    for (let i = 0; i < CAP; i++) replay.push(c.event(`fill-${i}`, time++));
    const perGroupUs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const events: Event[] = [];
      for (let i = 0; i < ROUND; i++) events.push(c.event(`new-${r}-${i}`, time++));
      const t0 = process.hrtime.bigint();
      for (const e of events) replay.push(e);
      perGroupUs.push(Math.round(Number(process.hrtime.bigint() - t0) / ROUND / 10) / 100);
    }
    const groups = [...replay.engine.runtimes.values()][0]!.groupCount;
    process.stdout.write(`${name.padEnd(12)} ${rounds} rounds of ${ROUND.toLocaleString('en-US')} new hosts past a cap of ${CAP.toLocaleString('en-US')}: µs per new group ${perGroupUs.join(', ')}; ${groups} groups kept, cap reported ${refused} times\n`);
    figures[`${name}_us_per_group`] = perGroupUs;
  }
  process.stdout.write(JSON.stringify(figures) + '\n');
}

main();
