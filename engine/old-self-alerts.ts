import type { SelfAlertState } from './self-alerts.js';

const SELF_LABELS = ['alertname', 'severity', 'source'];

/** Labels of a self-alert as journaled before self-alerts were an input of their own. */
export function isOldSelfAlert(labels: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(labels);
  return labels.source === 'vigil' && keys.length === SELF_LABELS.length && SELF_LABELS.every((k) => k in labels);
}

/** Splits the posted alerts of an older snapshot into those posted from outside and vigil's own. */
export function splitOldSelfAlerts(states: readonly SelfAlertState[]): { external: SelfAlertState[]; self: SelfAlertState[] } {
  const external: SelfAlertState[] = [];
  const self: SelfAlertState[] = [];
  for (const s of states) {
    // Stored labels have `rule` in place of `alertname`.
    const { rule: _rule, ...rest } = s.labels;
    (isOldSelfAlert({ ...rest, alertname: s.rule }) ? self : external).push(s);
  }
  return { external, self };
}
