/**
 * One notification as JSON, the shape vigil's own outputs share (an element of the webhook
 * body's `notifications` array, and the value of a Kafka channel's messages).
 */

import type { Notification } from '../../engine/model/notification.js';

/** The JSON form of one notification; times are ISO-8601 strings. */
export interface NotificationJson {
  readonly key: string;
  readonly kind: Notification['kind'];
  readonly time: string;
  readonly step: number;
  readonly incident: {
    readonly id: string;
    readonly rule: string;
    readonly state: Notification['incident']['state'];
    readonly severity: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly value: number | string | boolean | null;
    readonly summary: string;
    readonly openedAt: string;
    readonly resolvedAt: string | null;
    readonly url: string;
    /** Only for an alert posted through the Alertmanager API. */
    readonly posted?: {
      readonly fingerprint: string;
      readonly annotations: Readonly<Record<string, string>>;
      readonly generatorURL: string;
      readonly startsAt: string;
      readonly endsAt: string;
    };
  };
  /** Signed one-click acknowledge and silence links, when the service has them. */
  readonly links?: { readonly ack: string; readonly silence: string };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Converts a notification to its JSON form (see `createWebhookSink` for the documented
 * shape), with a fixed key order so receivers and tests see the same bytes every time.
 */
export function notificationJson(n: Notification): NotificationJson {
  return {
    key: n.key,
    kind: n.kind,
    time: iso(n.time),
    step: n.step,
    incident: {
      id: n.incident.id,
      rule: n.incident.rule,
      state: n.incident.state,
      severity: n.incident.severity,
      labels: n.incident.labels,
      value: n.incident.value,
      summary: n.incident.summary,
      openedAt: iso(n.incident.openedAt),
      resolvedAt: n.incident.resolvedAt === null ? null : iso(n.incident.resolvedAt),
      url: n.incident.url,
      ...(n.incident.posted === undefined
        ? {}
        : {
            posted: {
              fingerprint: n.incident.posted.fingerprint,
              annotations: n.incident.posted.annotations,
              generatorURL: n.incident.posted.generatorURL,
              startsAt: iso(n.incident.posted.startsAt),
              endsAt: iso(n.incident.posted.endsAt),
            },
          }),
    },
    ...(n.links === undefined ? {} : { links: { ack: n.links.ack, silence: n.links.silence } }),
  };
}
