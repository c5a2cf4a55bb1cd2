import type { ExternalAlertState } from './external-alerts.js';
import type { Input } from './core.js';

const SELF_LABELS = ['alertname', 'severity', 'source'];

/** Labels of a self-alert as journaled before self-alerts were an input of their own. */
function isOldSelfAlert(labels: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(labels);
  return labels.source === 'vigil' && keys.length === SELF_LABELS.length && SELF_LABELS.every((k) => k in labels);
}

/**
 * Reads a journal record written by an older vigil as the core takes it now. A self-alert
 * used to be journaled as a posted alert from vigil itself; it is read as a `self` input,
 * so it keeps its identity and the next report of the same problem resolves it.
 */
export function upgradeInput(input: Input): Input {
  if (input.t !== 'alerts' || input.alerts.length !== 1) return input;
  const alert = input.alerts[0]!;
  const name = alert.labels.alertname;
  if (name === undefined || !isOldSelfAlert(alert.labels) || alert.endsAt === undefined) return input;
  return { t: 'self', at: input.at, name, firing: alert.endsAt > input.at, summary: alert.annotations?.summary ?? '' };
}

/** Splits the posted alerts of an older snapshot into those posted from outside and vigil's own. */
export function splitOldSelfAlerts(states: readonly ExternalAlertState[]): { external: ExternalAlertState[]; self: ExternalAlertState[] } {
  const external: ExternalAlertState[] = [];
  const self: ExternalAlertState[] = [];
  for (const s of states) {
    // Stored labels have `rule` in place of `alertname`.
    const { rule: _rule, ...rest } = s.labels;
    (isOldSelfAlert({ ...rest, alertname: s.rule }) ? self : external).push(s);
  }
  return { external, self };
}
