/**
 * vigil's side of the side-by-side benchmark: a workload's rules compiled once, then each
 * run a fresh replay over its events, timed, with the firing count per rule.
 */
import { Replay } from '../../engine/replay.js';
import type { RuleSpec } from '../../engine/rule-spec.js';
import { compileBenchRules } from '../compile-rules.js';
import type { Scenario } from './scenarios.js';

/** What one vigil run reports, in the shape of Esper's. */
export interface VigilResult {
  readonly seconds: number;
  readonly events: number;
  readonly fires: Readonly<Record<string, number>>;
}

/** A workload compiled for vigil, ready to run any number of times. */
export function vigilRunner(scenario: Scenario): () => VigilResult {
  const rules: readonly RuleSpec[] = compileBenchRules(scenario.vigil).rules;
  return () => {
    const fires: Record<string, number> = {};
    for (const r of rules) fires[r.name] = 0;
    const replay = new Replay({
      rules,
      maxGroupsPerRule: scenario.maxGroupsPerRule,
      onChange: (c) => {
        if (c.state === 'firing') fires[c.rule] = (fires[c.rule] ?? 0) + 1;
      },
    });
    const events = scenario.events;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < events.length; i++) replay.push(events[i]!);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { seconds, events: events.length, fires };
  };
}

/** Rules whose firing counts differ between two runs, as `rule: a vs b`. */
export function disagreements(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): string[] {
  const out: string[] = [];
  for (const rule of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if ((a[rule] ?? 0) !== (b[rule] ?? 0)) out.push(`${rule}: ${a[rule] ?? 0} vs ${b[rule] ?? 0}`);
  }
  return out.sort();
}
