/**
 * The body of a webhook in Alertmanager's format (version 4, what Alertmanager's webhook
 * receiver sends), so receivers written for Alertmanager read vigil's notifications
 * unchanged.
 */

import { alertmanagerAlert } from '../../engine/alertmanager-alert.js';
import type { Notification } from '../../engine/model/notification.js';

/** Go's zero time, which Alertmanager sends as the `endsAt` of an alert that has no end yet. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** One alert of an Alertmanager webhook. */
export interface AlertmanagerWebhookAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
  readonly fingerprint: string;
}

/** Alertmanager's webhook message (`notify/webhook.Message`), keys in Alertmanager's order. */
export interface AlertmanagerWebhookBody {
  readonly receiver: string;
  readonly status: 'firing' | 'resolved';
  readonly alerts: readonly AlertmanagerWebhookAlert[];
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly commonLabels: Readonly<Record<string, string>>;
  readonly commonAnnotations: Readonly<Record<string, string>>;
  readonly externalURL: string;
  readonly version: '4';
  readonly groupKey: string;
  readonly truncatedAlerts: number;
}

/** The pairs every map in the list has with the same value (Alertmanager's common labels). */
function common(maps: readonly Readonly<Record<string, string>>[]): Record<string, string> {
  if (maps.length === 0) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(maps[0]!)) if (maps.every((m) => m[k] === v)) out[k] = v;
  return out;
}

/**
 * The Alertmanager webhook body for one batch of a channel: one alert per incident (its
 * latest notification), `status` firing while any alert fires. vigil does not group by
 * labels, so `groupLabels` is empty and the group is the channel (`groupKey`).
 */
export function alertmanagerWebhookBody(receiver: string, externalUrl: string, batch: readonly Notification[]): AlertmanagerWebhookBody {
  const latest = new Map<string, Notification>();
  for (const n of batch) latest.set(n.incident.id, n);
  const alerts = [...latest.values()].map((n): AlertmanagerWebhookAlert => {
    const a = alertmanagerAlert(n.incident, n.incident.url);
    return {
      status: a.status,
      labels: a.labels,
      annotations: n.kind === 'action' ? { ...a.annotations, summary: n.incident.summary } : a.annotations,
      startsAt: new Date(a.startsAt).toISOString(),
      endsAt: a.endsAt === null || a.status === 'firing' && n.incident.posted === undefined ? GO_ZERO_TIME : new Date(a.endsAt).toISOString(),
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    };
  });
  return {
    receiver,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts,
    groupLabels: {},
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL: externalUrl,
    version: '4',
    groupKey: `{}/{receiver=${JSON.stringify(receiver)}}:{}`,
    truncatedAlerts: 0,
  };
}
