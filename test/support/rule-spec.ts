import type { AlertChange } from '../../engine/model/alert-change.js';
import type { Condition } from '../../engine/condition.js';
import type { Event } from '../../engine/model/event.js';
import { Replay } from '../../engine/replay.js';
import type { RuleSpec } from '../../engine/rule-spec.js';

/** A hand-built rule for engine tests that do not go through the language. */
export function ruleSpec(options: {
  name?: string;
  condition: Condition<any>;
  stream?: string;
  match?: (e: Event) => boolean;
  second?: (e: Event) => boolean;
  by?: string[];
  forMs?: number;
  keepMs?: number;
  startsAtStart?: boolean;
}): RuleSpec {
  const stream = options.stream ?? 'logs';
  const selectors = [{ stream, match: options.match ?? (() => true) }];
  if (options.second) selectors.push({ stream, match: options.second });
  return {
    name: options.name ?? 'r',
    severity: 'warning',
    forMs: options.forMs ?? 0,
    keepMs: options.keepMs ?? 0,
    selectors,
    by: (options.by ?? []).map((label) => ({ label, get: (e: Event) => e[label] })),
    condition: options.condition,
    extraLabels: () => ({}),
    startsAtStart: options.startsAtStart ?? false,
  };
}

/** Runs events (time in ms, other fields as given) through rules; returns `time state` lines. */
export function run(
  rules: RuleSpec[],
  events: Array<Record<string, unknown> & { time: number }>,
  options: { start?: number; end?: number } = {},
): string[] {
  const changes: AlertChange[] = [];
  const replay = new Replay({ rules, start: options.start, onChange: (c) => changes.push(c) });
  for (const e of events) replay.push({ stream: 'logs', ...e } as Event);
  replay.finish(options.end);
  return changes.map((c) => {
    const group = Object.entries(c.labels)
      .filter(([k]) => k !== 'rule' && k !== 'severity')
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    return `${c.time} ${c.state}${group ? ` ${group}` : ''}${c.value !== null ? ` ${c.value}` : ''}`;
  });
}
