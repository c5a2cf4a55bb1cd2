import type { Incident } from './model/incident.js';

/**
 * The labels of an alert as the Alertmanager API and silences see them. A posted alert has
 * its own labels, verbatim. An alert of a vigil rule has its labels (group fields, `rule`,
 * `severity`, the rule's labels) plus `alertname` set to the rule's name unless the rule
 * sets one itself, so `alertname=X` finds (and silences) rule X as it would in
 * Alertmanager.
 */
export function alertmanagerLabels(incident: Pick<Incident, 'rule' | 'labels' | 'posted'>): Readonly<Record<string, string>> {
  if (incident.posted !== undefined || incident.labels.alertname !== undefined) return incident.labels;
  const out: Record<string, string> = { alertname: incident.rule };
  for (const k of Object.keys(incident.labels)) out[k] = incident.labels[k]!;
  const labels: Record<string, string> = {};
  for (const k of Object.keys(out).sort()) labels[k] = out[k]!;
  return labels;
}
