import { alertmanagerLabels } from './alertmanager-labels.js';
import { labelsFingerprint } from './label-fingerprint.js';
import type { Incident } from './model/incident.js';

/** An alert in Alertmanager's terms (times are epoch ms; `endsAt` null while it has no end). */
export interface AlertmanagerAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: number;
  readonly endsAt: number | null;
  readonly generatorURL: string;
  readonly fingerprint: string;
  readonly status: 'firing' | 'resolved';
}

/** What `alertmanagerAlert` reads: an incident, or an incident as a notification describes it. */
export type AlertmanagerSource = Pick<Incident, 'rule' | 'labels' | 'posted' | 'summary' | 'openedAt' | 'resolvedAt'> & {
  readonly state: Incident['state'];
};

/**
 * An incident as the Alertmanager API and Alertmanager-format webhooks show it. A posted
 * alert is shown as it was posted (labels, annotations, link, times). An alert of a vigil
 * rule gets `alertname` (see `alertmanager-labels.ts`), its summary as the `summary`
 * annotation, the incident's link as `generatorURL`, and the incident's times.
 */
export function alertmanagerAlert(source: AlertmanagerSource, incidentUrl: string): AlertmanagerAlert {
  const labels = alertmanagerLabels(source);
  const status = source.state === 'resolved' ? 'resolved' : 'firing';
  const posted = source.posted;
  if (posted !== undefined) {
    return {
      labels,
      annotations: posted.annotations,
      startsAt: posted.startsAt,
      endsAt: status === 'resolved' ? (source.resolvedAt ?? posted.endsAt) : posted.endsAt,
      generatorURL: posted.generatorURL,
      fingerprint: posted.fingerprint,
      status,
    };
  }
  return {
    labels,
    annotations: source.summary === '' ? {} : { summary: source.summary },
    startsAt: source.openedAt,
    endsAt: source.resolvedAt,
    generatorURL: incidentUrl,
    fingerprint: labelsFingerprint(labels),
    status,
  };
}
