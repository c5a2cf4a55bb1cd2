import type { Event } from '../../engine/model/event.js';
import type { RuleSpec } from '../../engine/rule-spec.js';

/** Reads a dotted field path (`labels.team`) from an event; undefined when a step is missing. */
function fieldValue(event: Event, path: readonly string[]): unknown {
  let value: unknown = event;
  for (const step of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

/**
 * Builds the function that keys an event on the events topic: the values of the
 * `fields` joined by NUL (a missing field counts as empty), so events with equal values
 * land on one partition. No fields: every event has the same key (one partition).
 */
export function partitionKeyOf(fields: readonly string[]): (event: Event) => string {
  const paths = fields.map((f) => f.split('.'));
  return (event) => {
    let key = '';
    for (let i = 0; i < paths.length; i++) {
      const v = fieldValue(event, paths[i]!);
      if (i > 0) key += '\u0000';
      key += v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    }
    return key;
  };
}

/**
 * The default `cluster.partitionBy`: the `by` fields every grouping rule shares, in the
 * order the first such rule names them. Rules without `by` do not narrow it (`vigil check
 * --cluster` reports them, since their one group spans every partition).
 */
export function defaultPartitionBy(rules: readonly RuleSpec[]): string[] {
  let shared: string[] | undefined;
  for (const rule of rules) {
    if (rule.by.length === 0) continue;
    const labels = rule.by.map((b) => b.label);
    shared = shared === undefined ? labels : shared.filter((f) => labels.includes(f));
  }
  return shared ?? [];
}

/** A rule whose inputs may land on different partitions, and why. */
export interface SplitRule {
  readonly rule: string;
  readonly reason: string;
}

/**
 * The rules whose groups can see events from several partitions when events are keyed by
 * `partitionBy`: a group is made of events with equal `by` values, so it stays on one
 * partition only when every partition field is one of the rule's `by` fields.
 */
export function splitRules(rules: readonly RuleSpec[], partitionBy: readonly string[]): SplitRule[] {
  const out: SplitRule[] = [];
  if (partitionBy.length === 0) return out;
  for (const rule of rules) {
    const by = rule.by.map((b) => b.label);
    const missing = partitionBy.filter((f) => !by.includes(f));
    if (missing.length === 0) continue;
    const grouped = by.length === 0 ? 'has no by' : `groups by ${by.join(', ')}`;
    out.push({ rule: rule.name, reason: `rule ${rule.name} ${grouped}, but events are partitioned by ${partitionBy.join(', ')}: its inputs can land on different partitions (missing ${missing.join(', ')})` });
  }
  return out;
}
