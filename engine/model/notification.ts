import type { PostedAlert } from './incident.js';

/**
 * What the notification pipeline hands to sinks, and how a sink reports failure. Sinks
 * deliver or throw `SinkError`; retries, batching and dedup belong to the pipeline.
 */

/** An incident as notifications describe it (times are epoch ms). */
export interface IncidentSummary {
  readonly id: string;
  readonly rule: string;
  /** `firing`, `acknowledged` or `resolved`. */
  readonly state: 'firing' | 'acknowledged' | 'resolved';
  readonly severity: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The aggregate's value at the last change, or null. */
  readonly value: number | string | boolean | null;
  /** The rule's summary rendered for this alert ('' when the rule has none). */
  readonly summary: string;
  readonly openedAt: number;
  readonly resolvedAt: number | null;
  /** Where a person can read the incident and its timeline. */
  readonly url: string;
  /** For an alert posted through the Alertmanager API: its annotations, link and times. */
  readonly posted?: PostedAlert;
}

/** Why a notification goes out. */
export type NotificationKind =
  | 'firing'
  | 'resolved'
  | 'repeat'
  | 'escalation'
  | 'action'
  /** A silence or maintenance window that muted a notified incident ended while its alert still fires. */
  | 'unsuppressed'
  /** A silence created with `notify` ended while the incident's alert still fires. */
  | 'silence_expired'
  /** The alert fires and resolves too often (`flapping N within D`): this one message stands for its pages until it settles. */
  | 'flapping';

/** One message for one channel about one incident. */
export interface Notification {
  /** Idempotency key: a notification with a key already sent is never sent again. */
  readonly key: string;
  readonly channel: string;
  readonly kind: NotificationKind;
  /** When the pipeline decided to send it. */
  readonly time: number;
  /** The escalation step it belongs to (0 for the first `notify` channels). */
  readonly step: number;
  readonly incident: IncidentSummary;
  /**
   * A send of this key was started before (a retry, or an attempt cut short by a crash), so
   * the receiver may have it already and should drop it by key.
   */
  readonly redelivery?: boolean;
  /** Signed one-click links (acknowledge, silence), when the service has a public URL to point them at. */
  readonly links?: NotificationLinks;
}

/** One-click links of a notification: each does one thing once, until it expires. */
export interface NotificationLinks {
  readonly ack: string;
  readonly silence: string;
}

/** Why a delivery failed: a fixed set, also used as a metric label. Never holds secrets. */
export type SinkFailureReason =
  | 'timeout'
  | 'connection'
  | 'http_client_error'
  | 'http_server_error'
  | 'smtp_rejected'
  | 'smtp_temporary'
  | 'aborted'
  | 'config';

/** A failed delivery: whether trying again can help, and the reason. */
export class SinkError extends Error {
  readonly retryable: boolean;
  readonly reason: SinkFailureReason;

  constructor(reason: SinkFailureReason, retryable: boolean, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SinkError';
    this.reason = reason;
    this.retryable = retryable;
  }
}

/** Delivers batches of notifications for one channel. */
export interface Sink {
  readonly name: string;
  /** Delivers the batch (all for this sink's channel) or throws `SinkError`; honours `signal`. */
  send(batch: readonly Notification[], signal: AbortSignal): Promise<void>;
}
