/**
 * Incidents and their timeline: what people read over the API to learn what happened,
 * when, and what was done about it.
 */

/** The kinds of timeline entries (interfaces spec). */
export type TimelineKind =
  | 'pending'
  | 'firing'
  | 'notified'
  | 'notify_failed'
  | 'escalated'
  | 'acked'
  | 'resolved'
  | 'silenced'
  | 'inhibited'
  /** The alert became part of the open incident it depends on (`depends`); `detail.by` names it. */
  | 'suppressed'
  /** On a parent incident: a child alert joined it (`detail.child`), or left it (`detail.left`). */
  | 'child'
  /** What held the incident back ended (`detail.after`); `detail.notify` lists who hears it still fires. */
  | 'unsuppressed'
  /** A silence created with `notify` ended while this incident's alert still fired. */
  | 'silence_expired'
  /** The alert is flapping (`flapping N within D`): its incidents do not page until it settles. */
  | 'flapping'
  | 'action_started'
  | 'action_step'
  | 'action_succeeded'
  | 'action_failed'
  | 'action_skipped'
  | 'comment';

/** One step in an incident's story. `incident` is null for entries before one exists (`pending`). */
export interface TimelineEntry {
  readonly id: number;
  readonly time: number;
  readonly incident: string | null;
  readonly rule: string;
  readonly kind: TimelineKind;
  readonly labels: Readonly<Record<string, string>>;
  readonly detail: Readonly<Record<string, unknown>>;
}

export type IncidentState = 'firing' | 'acknowledged' | 'resolved';

/**
 * What an incident keeps of an alert posted by Prometheus or Grafana (the Alertmanager
 * API): its fingerprint, annotations, link and times as the poster said them. Updated when
 * the alert is posted again. Plain data, for snapshots.
 */
export interface PostedAlert {
  /** Alertmanager's fingerprint of the label set (see `label-fingerprint.ts`). */
  readonly fingerprint: string;
  annotations: Readonly<Record<string, string>>;
  /** Where the alert came from (Prometheus' graph link); '' when not given. */
  generatorURL: string;
  /** When the alert started, as posted (epoch ms). */
  startsAt: number;
  /** When it ends or ended: as posted, or the last post + the resolve timeout. */
  endsAt: number;
  /** When it was last posted. */
  updatedAt: number;
}

/** One alert of one rule and group, from firing to resolved. Plain data, for snapshots. */
export interface Incident {
  readonly id: string;
  /** Rule and labels: the same alert re-firing after a resolve gets a new incident. */
  readonly fingerprint: string;
  readonly rule: string;
  readonly severity: string;
  readonly labels: Readonly<Record<string, string>>;
  state: IncidentState;
  value: number | string | boolean | null;
  summary: string;
  readonly openedAt: number;
  ackedAt: number | null;
  ackedBy: string | null;
  resolvedAt: number | null;
  /** `engine` when the condition stopped; otherwise who resolved it by hand. */
  resolvedBy: string | null;
  /** True while the rule still reports the alert firing. */
  alertFiring: boolean;
  /** Ids of this incident's timeline entries, oldest first. */
  readonly entries: number[];
  /**
   * Set for an alert posted through the Alertmanager API; absent for an alert of a vigil
   * rule. A posted alert's labels are its own, verbatim; its `rule` is its `alertname`.
   */
  posted?: PostedAlert;
  /** While the alert is part of another incident (`depends`): that incident's id. */
  parent?: string;
  /** The incidents whose alerts became part of this one (`depends`), in the order they joined. */
  children?: string[];
}

/** An incident as a history store keeps it: as of its latest stored change. Times are epoch ms. */
export interface StoredIncident {
  readonly id: string;
  readonly rule: string;
  readonly state: IncidentState;
  readonly severity: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number | string | boolean | null;
  readonly summary: string;
  readonly openedAt: number;
  readonly ackedAt: number | null;
  readonly ackedBy: string | null;
  readonly resolvedAt: number | null;
  readonly resolvedBy: string | null;
  /** When the latest change was stored for. */
  readonly updatedAt: number;
}
