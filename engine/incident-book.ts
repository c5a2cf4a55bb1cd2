import type { AlertChange } from './model/alert-change.js';
import type { Incident, IncidentState, PostedAlert, TimelineEntry, TimelineKind } from './model/incident.js';
import { incidentLimit, matchesIncidentQuery, type IncidentQuery } from './model/incident-query.js';

/** Everything the book holds, as plain data for snapshots. */
export interface IncidentBookState {
  readonly nextIncident: number;
  readonly nextEntry: number;
  readonly incidents: readonly Incident[];
  readonly timeline: readonly TimelineEntry[];
}

/** The identity of an alert: its rule and labels, keys in order. */
export function fingerprintOf(rule: string, labels: Readonly<Record<string, string>>): string {
  return `${rule}${JSON.stringify(labels)}`;
}

/** What an outcome of a human action says. */
export type ActionResult = { readonly ok: true; readonly incident: Incident } | { readonly ok: false; readonly error: 'not_found' | 'already_resolved' };

/**
 * Incidents and the timeline: one incident per rule + group while it fires, opened at
 * `firing`, closed at `resolved` (by the engine or a person), acknowledged by people. Every
 * step is a timeline entry. Deterministic: the same inputs give the same ids, so replaying
 * the journal after a crash rebuilds exactly the same book.
 */
export class IncidentBook {
  /**
   * Memory bounds: the oldest timeline entries and resolved incidents past these are
   * forgotten here (history lives in the journal's snapshots only up to them, and in
   * QuestDB when it is configured).
   */
  constructor(private readonly limits: { readonly maxEntries: number; readonly maxResolved: number } = { maxEntries: 200_000, maxResolved: 20_000 }) {}

  private readonly incidents = new Map<string, Incident>();
  private readonly open = new Map<string, string>();
  /** The newest incident of each alert, open or not. */
  private readonly latest = new Map<string, string>();
  private timeline: TimelineEntry[] = [];
  private readonly entryIndex = new Map<number, TimelineEntry>();
  private nextIncident = 1;
  private idPrefix = 'inc-';
  private nextEntry = 1;
  // Replaced, never mutated, so a listener may unsubscribe while entries are delivered.
  private listeners: readonly ((entry: TimelineEntry) => void)[] = [];

  /**
   * Calls `listener` with every new timeline entry (the live stream, the history sink).
   * Returns the function that stops it, so short-lived listeners (stream clients) leave
   * nothing behind.
   */
  onEntry(listener: (entry: TimelineEntry) => void): () => void {
    this.listeners = [...this.listeners, listener];
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners = [...this.listeners.slice(0, at), ...this.listeners.slice(at + 1)];
    };
  }

  /**
   * Applies an alert change: `firing` opens an incident (unless one is open for the
   * alert), `resolved` closes it; `pending` is recorded without an incident. Returns the
   * incident the change opened or closed, if any. `posted` is set for an alert posted
   * through the Alertmanager API: its identity is its fingerprint, the incident opens at
   * its `startsAt` and, when it says it ended earlier, resolves at its `endsAt`.
   */
  applyChange(
    change: AlertChange,
    summary: string,
    posted?: PostedAlert,
    during?: (incident: Incident) => string | null,
  ): { incident: Incident; opened: boolean } | undefined {
    const fingerprint = posted === undefined ? fingerprintOf(change.rule, change.labels) : `posted:${posted.fingerprint}`;
    if (change.state === 'pending') {
      this.add(change.time, null, change.rule, 'pending', change.labels, { value: change.value });
      return undefined;
    }
    if (change.state === 'inactive') return undefined;
    const openId = this.open.get(fingerprint);
    if (change.state === 'firing') {
      if (openId !== undefined) {
        const inc = this.incidents.get(openId)!;
        inc.alertFiring = true;
        inc.value = change.value;
        return undefined;
      }
      const id = `${this.idPrefix}${this.nextIncident++}`;
      const incident: Incident = {
        id,
        fingerprint,
        rule: change.rule,
        severity: change.labels.severity ?? 'warning',
        labels: change.labels,
        state: 'firing',
        value: change.value,
        summary,
        openedAt: posted?.startsAt ?? change.time,
        ackedAt: null,
        ackedBy: null,
        resolvedAt: null,
        resolvedBy: null,
        alertFiring: true,
        entries: [],
        ...(posted === undefined ? {} : { posted: { ...posted } }),
      };
      this.incidents.set(id, incident);
      this.open.set(fingerprint, id);
      this.latest.set(fingerprint, id);
      const detail = posted === undefined ? { value: change.value, summary } : { value: change.value, summary, startsAt: posted.startsAt, fingerprint: posted.fingerprint };
      this.add(change.time, id, change.rule, 'firing', change.labels, detail);
      return { incident, opened: true };
    }
    // resolved
    if (openId === undefined) {
      // Resolved by hand earlier: the alert's own end still belongs to that incident's story.
      const last = this.lastResolvedFor(fingerprint);
      if (last !== undefined) {
        last.alertFiring = false;
        this.add(change.time, last.id, change.rule, 'resolved', change.labels, { by: 'engine', value: change.value, alreadyResolved: true });
      }
      return undefined;
    }
    const incident = this.incidents.get(openId)!;
    if (posted !== undefined) incident.posted = { ...posted };
    // What held its notifications back when it resolved ("resolved during maintenance nightly").
    const held = during?.(incident) ?? null;
    const detail: Record<string, unknown> = posted === undefined ? { value: change.value } : { value: change.value, endsAt: posted.endsAt };
    if (held !== null) detail.during = held;
    this.close(incident, change.time, 'engine', detail);
    if (posted !== undefined) incident.resolvedAt = Math.min(posted.endsAt, change.time);
    incident.value = change.value;
    incident.alertFiring = false;
    return { incident, opened: false };
  }

  /** A child's alert becomes part of the parent's open incident (`depends`): both timelines say so. */
  join(time: number, child: Incident, parent: Incident): void {
    child.parent = parent.id;
    (parent.children ??= []).push(child.id);
    this.add(time, child.id, child.rule, 'suppressed', child.labels, { by: parent.id, rule: parent.rule });
    this.add(time, parent.id, parent.rule, 'child', parent.labels, { child: child.id, rule: child.rule, labels: child.labels });
  }

  /** A child's alert stops being part of its parent's incident (the parent resolved); `now` is what holds it instead, if anything. */
  leave(time: number, child: Incident, now: string | null): void {
    const parentId = child.parent;
    if (parentId === undefined) return;
    delete child.parent;
    const parent = this.incidents.get(parentId);
    if (parent !== undefined) this.add(time, parent.id, parent.rule, 'child', parent.labels, { left: child.id, rule: child.rule, heldBy: now });
  }

  /** A posted alert was posted again while firing: its annotations, link and times change. */
  updatePosted(posted: PostedAlert, summary: string): Incident | undefined {
    const id = this.open.get(`posted:${posted.fingerprint}`);
    const incident = id === undefined ? undefined : this.incidents.get(id);
    if (incident === undefined) return undefined;
    incident.posted = { ...posted };
    incident.summary = summary;
    return incident;
  }

  /** A person acknowledges an open incident: escalation stops. */
  ack(id: string, time: number, by: string, why: string): ActionResult {
    const incident = this.incidents.get(id);
    if (incident === undefined) return { ok: false, error: 'not_found' };
    if (incident.state === 'resolved') return { ok: false, error: 'already_resolved' };
    if (incident.state === 'firing') {
      incident.state = 'acknowledged';
      incident.ackedAt = time;
      incident.ackedBy = by;
    }
    this.add(time, id, incident.rule, 'acked', incident.labels, { by, why });
    return { ok: true, incident };
  }

  /** A person resolves an incident; a later re-fire of the alert opens a new one. */
  resolve(id: string, time: number, by: string, why: string): ActionResult {
    const incident = this.incidents.get(id);
    if (incident === undefined) return { ok: false, error: 'not_found' };
    if (incident.state === 'resolved') return { ok: false, error: 'already_resolved' };
    this.close(incident, time, by, { by, why });
    return { ok: true, incident };
  }

  /** A person's note on an incident. */
  comment(id: string, time: number, by: string, text: string): ActionResult {
    const incident = this.incidents.get(id);
    if (incident === undefined) return { ok: false, error: 'not_found' };
    this.add(time, id, incident.rule, 'comment', incident.labels, { by, text });
    return { ok: true, incident };
  }

  /** Adds an entry about an incident (notifications, actions). */
  record(time: number, incident: Incident, kind: TimelineKind, detail: Record<string, unknown>): TimelineEntry {
    return this.add(time, incident.id, incident.rule, kind, incident.labels, detail);
  }

  /** Adds an entry that belongs to no incident (a manual playbook run without one). */
  recordLoose(time: number, rule: string, kind: TimelineKind, labels: Readonly<Record<string, string>>, detail: Record<string, unknown>): TimelineEntry {
    return this.add(time, null, rule, kind, labels, detail);
  }

  get(id: string): Incident | undefined {
    return this.incidents.get(id);
  }

  /** The open incident of an alert, if any. */
  openFor(rule: string, labels: Readonly<Record<string, string>>): Incident | undefined {
    const id = this.open.get(fingerprintOf(rule, labels));
    return id === undefined ? undefined : this.incidents.get(id);
  }

  /** Every incident not yet resolved. */
  *openIncidents(): IterableIterator<Incident> {
    for (const id of this.open.values()) yield this.incidents.get(id)!;
  }

  /** Incidents newest first, filtered and paged. */
  list(query: IncidentQuery): Incident[] {
    const limit = incidentLimit(query);
    const out: Incident[] = [];
    const all = [...this.incidents.values()];
    let i = all.length - 1;
    if (query.before !== undefined) {
      const at = all.findIndex((x) => x.id === query.before);
      if (at >= 0) i = at - 1;
    }
    for (; i >= 0 && out.length < limit; i--) {
      const inc = all[i]!;
      if (matchesIncidentQuery(inc, query)) out.push(inc);
    }
    return out;
  }

  /** An incident's timeline, oldest first. */
  entriesOf(incident: Incident): TimelineEntry[] {
    return incident.entries.map((id) => this.entryIndex.get(id)!).filter((e) => e !== undefined);
  }

  /** Timeline entries across incidents with time in [since, until], oldest first, at most `limit`. */
  entries(query: { since?: number; until?: number; limit?: number; after?: number }): TimelineEntry[] {
    const limit = Math.max(1, Math.min(query.limit ?? 500, 10_000));
    const since = query.since ?? -Infinity;
    const until = query.until ?? Infinity;
    const after = query.after ?? 0;
    const out: TimelineEntry[] = [];
    for (const e of this.timeline) {
      if (e.id <= after || e.time < since) continue;
      if (e.time > until) break;
      out.push(e);
      if (out.length >= limit) break;
    }
    return out;
  }

  get incidentCount(): number {
    return this.incidents.size;
  }

  /** Counts of incidents by state (for metrics). */
  countByState(): Record<IncidentState, number> {
    const counts: Record<IncidentState, number> = { firing: 0, acknowledged: 0, resolved: 0 };
    for (const inc of this.incidents.values()) counts[inc.state]++;
    return counts;
  }

  /** Sets how new incident ids start (`inc-` by default; a cluster partition's book adds its number, so ids stay unique across partitions). */
  setIdPrefix(prefix: string): void {
    this.idPrefix = prefix;
  }

  snapshot(): IncidentBookState {
    return { nextIncident: this.nextIncident, nextEntry: this.nextEntry, incidents: [...this.incidents.values()], timeline: this.timeline };
  }

  /** Restores a snapshot into an empty book. */
  restore(state: IncidentBookState): void {
    this.nextIncident = state.nextIncident;
    this.nextEntry = state.nextEntry;
    for (const inc of state.incidents) {
      this.incidents.set(inc.id, inc);
      this.latest.set(inc.fingerprint, inc.id);
      if (inc.state !== 'resolved') this.open.set(inc.fingerprint, inc.id);
    }
    for (const e of state.timeline) {
      this.timeline.push(e);
      this.entryIndex.set(e.id, e);
    }
  }

  /** Drops the oldest tenth of the timeline, and the oldest resolved incidents past the bound. */
  private forget(): void {
    const drop = Math.ceil(this.limits.maxEntries / 10);
    for (const e of this.timeline.slice(0, drop)) this.entryIndex.delete(e.id);
    this.timeline = this.timeline.slice(drop);
    let resolved = 0;
    for (const inc of this.incidents.values()) if (inc.state === 'resolved') resolved++;
    for (const [id, inc] of this.incidents) {
      if (resolved <= this.limits.maxResolved) break;
      if (inc.state !== 'resolved') continue;
      this.incidents.delete(id);
      if (this.latest.get(inc.fingerprint) === id) this.latest.delete(inc.fingerprint);
      resolved--;
    }
  }

  private close(incident: Incident, time: number, by: string, detail: Record<string, unknown>): void {
    incident.state = 'resolved';
    incident.resolvedAt = time;
    incident.resolvedBy = by;
    this.open.delete(incident.fingerprint);
    this.add(time, incident.id, incident.rule, 'resolved', incident.labels, { by, ...detail });
  }

  private lastResolvedFor(fingerprint: string): Incident | undefined {
    const id = this.latest.get(fingerprint);
    const inc = id === undefined ? undefined : this.incidents.get(id);
    return inc !== undefined && inc.alertFiring ? inc : undefined;
  }

  private add(
    time: number,
    incident: string | null,
    rule: string,
    kind: TimelineKind,
    labels: Readonly<Record<string, string>>,
    detail: Record<string, unknown>,
  ): TimelineEntry {
    const entry: TimelineEntry = { id: this.nextEntry++, time, incident, rule, kind, labels, detail };
    this.timeline.push(entry);
    if (this.timeline.length > this.limits.maxEntries) this.forget();
    this.entryIndex.set(entry.id, entry);
    if (incident !== null) this.incidents.get(incident)?.entries.push(entry.id);
    for (const l of this.listeners) l(entry);
    return entry;
  }
}
