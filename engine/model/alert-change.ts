import type { AlertChangeState } from '../alert-state.js';

/**
 * One alert state change: what `vigil replay` prints, what `vigil test` compares, and what
 * `vigil run` turns into incidents and notifications.
 */
export interface AlertChange {
  /** Clock time of the change, epoch ms. */
  readonly time: number;
  readonly rule: string;
  readonly state: AlertChangeState;
  /** Group fields, `rule`, `severity` and the rule's own labels, keys in sorted order. */
  readonly labels: Readonly<Record<string, string>>;
  /** The aggregate's value at the change for aggregate rules, otherwise null. */
  readonly value: number | string | boolean | null;
}

/** Orders changes the way replay output is ordered: time, then rule, then labels. */
export function compareChanges(a: AlertChange, b: AlertChange): number {
  if (a.time !== b.time) return a.time - b.time;
  if (a.rule !== b.rule) return a.rule < b.rule ? -1 : 1;
  const la = JSON.stringify(a.labels);
  const lb = JSON.stringify(b.labels);
  return la < lb ? -1 : la > lb ? 1 : 0;
}

/** The replay output line of a change (events spec): keys in the documented order. */
export function formatChange(c: AlertChange): string {
  return JSON.stringify({ time: new Date(c.time).toISOString(), rule: c.rule, state: c.state, labels: c.labels, value: c.value });
}
