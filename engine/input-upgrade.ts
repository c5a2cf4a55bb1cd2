import type { Input } from './core.js';
import { isOldSelfAlert } from './old-self-alerts.js';

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
