import type { Clock } from '../clock.js';
import type { Incident } from '../model/incident.js';
import type { IncidentBook } from '../incident-book.js';
import type { IncidentSummary, NotificationKind } from '../model/notification.js';
import { alertmanagerLabels } from '../alertmanager-labels.js';
import { silenceActive, silenceMatches, type Silence } from '../silences.js';
import { maintenanceUntil } from './maintenance.js';
import { formatDuration } from '../model/duration.js';
import { Outbox, type OutboxItem, type OutboxState } from './outbox.js';
import type { ChannelPolicy, InhibitSpec, Labels, MaintenanceSpec, NotifyPolicy } from './policy.js';
import { dependencyParent, type DependsSpec } from './depends.js';

/** Per open incident: where it stands in its escalation, and what holds it back. Plain data. */
export interface IncidentNotifyState {
  readonly incident: string;
  /** The escalation step last notified; -1 before the first notification. */
  step: number;
  firstNotifiedAt: number;
  nextEscalationAt: number;
  nextRepeatAt: number;
  repeats: number;
  /** Channels that were told the incident fires: they get the resolve too. */
  channels: string[];
  /** What muted or inhibited the first notification, if anything. */
  heldBy: string | null;
  /** When to decide again (a maintenance window or silence ends); -1 for never. */
  recheckAt: number;
  /** How many times the incident was notified again when a suppression ended (absent in older snapshots). */
  unsuppressed?: number;
}

/** An alert of a rule with `flapping N within D`: when it fired lately, and whether it flaps. Plain data. */
export interface FlapState {
  readonly fingerprint: string;
  /** Times it started firing, within the rule's D. */
  fires: number[];
  flapping: boolean;
  /** Channels that got the flapping message: they hear when it settles. */
  channels: string[];
  /** Its latest incident. */
  lastIncident: string;
  /** When it settles unless it fires again; -1 while not flapping. */
  settleAt: number;
}

export interface NotifierState {
  readonly incidents: readonly IncidentNotifyState[];
  readonly outbox: OutboxState;
  /** Flapping detection per alert (absent in older snapshots). */
  readonly flaps?: readonly FlapState[];
}

/** The notification rules of the current rule set. */
export interface NotifierPolicies {
  readonly rules: ReadonlyMap<string, NotifyPolicy>;
  readonly channels: ReadonlyMap<string, ChannelPolicy>;
  readonly maintenance: readonly MaintenanceSpec[];
  readonly inhibits: readonly InhibitSpec[];
  /** `depends` declarations: a child alert becomes part of its parent's open incident (absent: none). */
  readonly depends?: readonly DependsSpec[];
  /** Channels for alerts of rules not in the set (posted by Prometheus or Grafana). */
  readonly fallbackChannels?: readonly string[];
}

export interface NotifierOptions {
  readonly clock: Clock;
  readonly book: IncidentBook;
  readonly policies: NotifierPolicies;
  /** The current silences (owned by the caller, changed through the API). */
  readonly silences: () => Iterable<Silence>;
  /** Link to an incident for people (API base URL + path). */
  readonly incidentUrl: (id: string) => string;
  /** Told of every item queued, so the core can report it for delivery. */
  readonly onQueued: (item: OutboxItem) => void;
}

/** Why an alert is held back now, and until when (Infinity: until something changes). */
interface Hold {
  readonly by: string;
  readonly kind: 'silenced' | 'inhibited' | 'suppressed';
  readonly until: number;
  /** For a dependency: the open incident the alert became part of. */
  readonly parent?: Incident;
}

/**
 * Decides which notifications go out and when, in the order of the notification pipeline:
 * mute (maintenance windows, silences) → inhibit → route to the rule's channels with
 * escalation (`then X after D` unless acknowledged) and `repeat` → the outbox, which batches
 * per channel and dedups by key. Delivery (retry, send) reads the outbox. Deterministic on
 * its clock, so replaying the journal makes the same decisions with the same keys.
 *
 * A notified alert always gets its resolve notification, even when it is muted by then.
 */
export class Notifier {
  readonly outbox = new Outbox();
  private readonly states = new Map<string, IncidentNotifyState>();
  private readonly timers = new Map<string, number>();
  private readonly flaps = new Map<string, FlapState>();
  private policies: NotifierPolicies;

  constructor(private readonly options: NotifierOptions) {
    this.policies = options.policies;
  }

  /** Swaps in the policies of a reloaded rule set. */
  setPolicies(policies: NotifierPolicies): void {
    this.policies = policies;
  }

  /** A new incident: mute, inhibit, or notify its first step. */
  opened(incident: Incident): void {
    const state: IncidentNotifyState = {
      incident: incident.id,
      step: -1,
      firstNotifiedAt: -1,
      nextEscalationAt: -1,
      nextRepeatAt: -1,
      repeats: 0,
      channels: [],
      heldBy: null,
      recheckAt: -1,
    };
    this.states.set(incident.id, state);
    if (this.flapped(incident, state, this.options.clock.now())) return;
    this.decide(incident, state, this.options.clock.now());
    // An alert that fires may inhibit others: nothing to do until it resolves.
  }

  /** An incident resolved: tell every channel that heard it fire; release what it inhibited. */
  resolved(incident: Incident): void {
    const now = this.options.clock.now();
    const state = this.states.get(incident.id);
    if (state !== undefined) {
      for (const channel of state.channels) this.queue(incident, channel, 'resolved', state.step, `${incident.id}/resolved/${channel}`, now);
      this.states.delete(incident.id);
    }
    this.recheckHeld(now);
  }

  /** An incident acknowledged: escalation and repeats stop. */
  acknowledged(incident: Incident): void {
    const state = this.states.get(incident.id);
    if (state === undefined) return;
    state.nextEscalationAt = -1;
    state.nextRepeatAt = -1;
  }

  /**
   * Queues a notification about a remediation run (a `notify` step, a failed or skipped
   * run) to `channels`; `message` stands in for the summary.
   */
  queueAction(incident: Incident, channels: readonly string[], key: string, message: string): void {
    const now = this.options.clock.now();
    for (const channel of channels) {
      const batchMs = this.policies.channels.get(channel)?.batchMs ?? 0;
      const item = this.outbox.enqueue(
        { key: `${key}/${channel}`, channel, kind: 'action', step: -1, time: now, rule: incident.rule, incident: { ...this.summaryOf(incident), summary: message } },
        batchMs,
      );
      if (item !== undefined) this.options.onQueued(item);
    }
  }

  /**
   * Silences changed: incidents they held may go out now, and an open incident that a new
   * silence now covers gets a `silenced` entry (its repeats and escalations stop while it
   * lasts).
   */
  silencesChanged(): void {
    const now = this.options.clock.now();
    this.recheckHeld(now);
    for (const state of this.states.values()) {
      if (state.step < 0) continue;
      const incident = this.options.book.get(state.incident);
      if (incident === undefined || incident.state === 'resolved') continue;
      const hold = this.muteOf(incident, now);
      if (hold === undefined) {
        if (state.heldBy !== null) this.unsuppress(incident, state, now);
        continue;
      }
      this.muteNotified(incident, state, hold, now);
    }
  }

  /**
   * What holds the incident's notifications back now (a maintenance window, a silence, an
   * inhibition or the open incident it depends on), or null: the timeline says so at resolve.
   */
  suppressionOf(id: string): string | null {
    return this.states.get(id)?.heldBy ?? null;
  }

  /**
   * Tells `channels` that a silence ended while the incident it matched still fires (a
   * silence created with `notify`). One notification per silence, incident and channel.
   */
  silenceExpired(incident: Incident, silence: string, channels: readonly string[]): void {
    const now = this.options.clock.now();
    this.options.book.record(now, incident, 'silence_expired', { by: `silence ${silence}`, channels });
    for (const channel of channels) this.queue(incident, channel, 'silence_expired', -1, `${incident.id}/silence-expired/${silence}/${channel}`, now);
  }

  /** A notified incident is muted: recorded once per cause, and looked at again when the cause ends. */
  private muteNotified(incident: Incident, state: IncidentNotifyState, hold: Hold, now: number): void {
    if (state.heldBy !== hold.by) {
      state.heldBy = hold.by;
      this.options.book.record(now, incident, hold.kind, { by: hold.by });
    }
    state.recheckAt = Number.isFinite(hold.until) ? Math.max(now + 1, hold.until) : -1;
    this.arm(state);
  }

  /**
   * A suppression of a notified incident ended: if its alert still fires and nobody has
   * acknowledged it, whoever got the firing hears once that it still fires.
   */
  private unsuppress(incident: Incident, state: IncidentNotifyState, now: number): void {
    const by = state.heldBy;
    state.heldBy = null;
    state.recheckAt = -1;
    const tell = incident.alertFiring && incident.state === 'firing';
    this.options.book.record(now, incident, 'unsuppressed', { after: by, notify: tell ? state.channels : [] });
    if (!tell) return;
    const n = (state.unsuppressed ?? 0) + 1;
    state.unsuppressed = n;
    for (const channel of state.channels) this.queue(incident, channel, 'unsuppressed', state.step, `${incident.id}/unsuppressed-${n}/${channel}`, now);
  }

  /** Ids of the silences in force at `time` that match the incident's alert. */
  silencedBy(incident: Incident, time: number): string[] {
    const labels = alertmanagerLabels(incident);
    const ids: string[] = [];
    for (const s of this.options.silences()) if (silenceActive(s, time) && silenceMatches(s, labels)) ids.push(s.id);
    return ids;
  }

  /** The open incidents whose alerts inhibit this one now. */
  inhibitedBy(incident: Incident): Incident[] {
    const target = incident.labels;
    const out: Incident[] = [];
    for (const rule of this.policies.inhibits) {
      if (!rule.target(target)) continue;
      for (const source of this.options.book.openIncidents()) {
        if (source.id === incident.id || !source.alertFiring || !rule.source(source.labels)) continue;
        if (rule.equal.every((l) => source.labels[l] === target[l]) && !out.includes(source)) out.push(source);
      }
    }
    return out;
  }

  /** The channels an incident is routed to, every escalation step included. */
  channelsOf(incident: Incident): string[] {
    return [...new Set(this.policyOf(incident).steps.flatMap((s) => s.channels))];
  }

  /** The notification state of an incident, if it is open. */
  stateOf(id: string): IncidentNotifyState | undefined {
    return this.states.get(id);
  }

  /**
   * The incident's alert is muted at `time`: by which maintenance window or silence.
   * Maintenance windows match the alert's labels; silences match them as the Alertmanager
   * API shows them (`alertname` included, see `alertmanager-labels.ts`).
   */
  muteOf(incident: Pick<Incident, 'rule' | 'labels' | 'posted'>, time: number): Hold | undefined {
    const labels: Labels = incident.labels;
    for (const m of this.policies.maintenance) {
      if (!m.match(labels)) continue;
      const until = maintenanceUntil(m.windows, time);
      if (until !== undefined) return { by: `maintenance ${m.name}`, kind: 'silenced', until };
    }
    const silenceLabels = alertmanagerLabels(incident);
    for (const s of this.options.silences()) {
      if (silenceActive(s, time) && silenceMatches(s, silenceLabels)) return { by: `silence ${s.id}`, kind: 'silenced', until: s.endsAt };
    }
    return undefined;
  }

  snapshot(): NotifierState {
    return { incidents: [...this.states.values()], outbox: this.outbox.snapshot(), flaps: [...this.flaps.values()] };
  }

  /** Restores a snapshot and re-arms every timer it implies. */
  restore(state: NotifierState): void {
    this.outbox.restore(state.outbox);
    for (const s of state.incidents) {
      this.states.set(s.incident, s);
      this.arm(s);
    }
    for (const f of state.flaps ?? []) {
      this.flaps.set(f.fingerprint, f);
      if (f.flapping) this.armSettle(f);
    }
  }

  private inhibitionOf(incident: Incident): Hold | undefined {
    const target = incident.labels;
    for (const rule of this.policies.inhibits) {
      if (!rule.target(target)) continue;
      for (const source of this.options.book.openIncidents()) {
        if (source.id === incident.id || !source.alertFiring || !rule.source(source.labels)) continue;
        if (rule.equal.every((l) => source.labels[l] === target[l])) {
          return { by: `inhibit ${rule.name} (${source.id})`, kind: 'inhibited', until: Infinity };
        }
      }
    }
    return undefined;
  }

  private decide(incident: Incident, state: IncidentNotifyState, now: number): void {
    const hold = this.muteOf(incident, now) ?? this.inhibitionOf(incident) ?? this.dependencyOf(incident);
    if (hold !== undefined) {
      if (state.heldBy !== hold.by) {
        if (incident.parent !== undefined) this.options.book.leave(now, incident, hold.by);
        state.heldBy = hold.by;
        if (hold.parent !== undefined) this.options.book.join(now, incident, hold.parent);
        else this.options.book.record(now, incident, hold.kind, { by: hold.by });
      }
      state.recheckAt = Number.isFinite(hold.until) ? hold.until : -1;
      this.arm(state);
      return;
    }
    if (state.heldBy !== null) {
      const channels = this.channelsOf(incident);
      if (incident.parent !== undefined) this.options.book.leave(now, incident, null);
      this.options.book.record(now, incident, 'unsuppressed', { after: state.heldBy, notify: channels });
    }
    state.heldBy = null;
    state.recheckAt = -1;
    this.notifyStep(incident, state, 0, 'firing', now);
  }

  /**
   * Flapping detection at an incident's start: an alert that fired more than N times within
   * D sends one `flapping` message to its first channels and then pages no more (its
   * incidents are recorded as flapping) until it has not fired for D. True when it flaps.
   */
  private flapped(incident: Incident, state: IncidentNotifyState, now: number): boolean {
    const policy = incident.posted === undefined ? this.policies.rules.get(incident.rule)?.flapping : undefined;
    if (policy === undefined) return false;
    const flap = this.flaps.get(incident.fingerprint) ?? { fingerprint: incident.fingerprint, fires: [], flapping: false, channels: [], lastIncident: incident.id, settleAt: -1 };
    this.flaps.set(incident.fingerprint, flap);
    flap.fires = [...flap.fires.filter((t) => t > now - policy.withinMs), now];
    flap.lastIncident = incident.id;
    if (!flap.flapping && flap.fires.length <= policy.count) return false;
    state.heldBy = 'flapping';
    this.options.book.record(now, incident, 'flapping', { fires: flap.fires.length, withinMs: policy.withinMs, started: !flap.flapping });
    if (!flap.flapping) {
      flap.flapping = true;
      flap.channels = [...(this.policyOf(incident).steps[0]?.channels ?? [])];
      const text = `${incident.summary === '' ? incident.rule : incident.summary}: flapping, fired ${flap.fires.length} times within ${formatDuration(policy.withinMs)}; no more pages until it settles`;
      for (const channel of flap.channels) this.queue(incident, channel, 'flapping', -1, `${incident.id}/flapping/${channel}`, now, text);
    }
    flap.settleAt = now + policy.withinMs;
    this.armSettle(flap);
    return true;
  }

  private armSettle(flap: FlapState): void {
    const due = flap.settleAt;
    this.options.clock.schedule(due, () => {
      if (this.flaps.get(flap.fingerprint) !== flap || flap.settleAt !== due) return;
      this.settle(flap, due);
    });
  }

  /** A flapping alert did not fire for D: still firing, it pages as new; resolved, the flapping message's channels hear so. */
  private settle(flap: FlapState, now: number): void {
    this.flaps.delete(flap.fingerprint);
    const incident = this.options.book.get(flap.lastIncident);
    if (incident === undefined) return;
    const state = this.states.get(incident.id);
    if (state !== undefined && incident.state !== 'resolved' && state.heldBy === 'flapping') {
      this.decide(incident, state, now);
      return;
    }
    this.options.book.record(now, incident, 'unsuppressed', { after: 'flapping', notify: flap.channels });
    const text = `${incident.summary === '' ? incident.rule : incident.summary}: stopped flapping and is resolved`;
    for (const channel of flap.channels) this.queue(incident, channel, 'resolved', -1, `${incident.id}/settled/${channel}`, now, text);
  }

  /**
   * The open incident this one depends on (`depends`), followed up to the incident that
   * suppresses no further: a host behind a failed switch joins the switch's incident.
   */
  private dependencyOf(incident: Incident): Hold | undefined {
    const depends = this.policies.depends ?? [];
    if (depends.length === 0) return undefined;
    let parent = dependencyParent(depends, incident, () => this.options.book.openIncidents());
    if (parent === undefined) return undefined;
    // A parent that is itself part of an incident hands the child on to that one.
    const seen = new Set([incident.id]);
    while (parent.parent !== undefined && !seen.has(parent.id)) {
      seen.add(parent.id);
      const up = this.options.book.get(parent.parent);
      if (up === undefined || up.state === 'resolved') break;
      parent = up;
    }
    if (parent.id === incident.id) return undefined;
    return { by: `depends on ${parent.id}`, kind: 'suppressed', until: Infinity, parent };
  }

  private recheckHeld(now: number): void {
    for (const state of this.states.values()) {
      // A flapping alert waits for its settle timer, not for other alerts.
      if (state.step >= 0 || state.heldBy === null || state.heldBy === 'flapping') continue;
      const incident = this.options.book.get(state.incident);
      if (incident !== undefined && incident.state !== 'resolved') this.decide(incident, state, now);
    }
  }

  /** The rule's policy; a posted alert (or a rule no longer in the set) goes to the fallback channels. */
  private policyOf(incident: Incident): NotifyPolicy {
    const rule = incident.rule;
    const policy = incident.posted === undefined ? this.policies.rules.get(rule) : undefined;
    if (policy !== undefined) return policy;
    const channels = this.policies.fallbackChannels ?? [];
    return { rule, steps: channels.length > 0 ? [{ channels, afterMs: 0 }] : [], repeatMs: 0, summary: '' };
  }

  private notifyStep(incident: Incident, state: IncidentNotifyState, step: number, kind: NotificationKind, now: number): void {
    const policy = this.policyOf(incident);
    const steps = policy.steps;
    if (step >= steps.length) return;
    const channels = steps[step]!.channels;
    if (state.firstNotifiedAt < 0) state.firstNotifiedAt = now;
    state.step = step;
    if (kind === 'escalation') this.options.book.record(now, incident, 'escalated', { step, channels });
    for (const channel of channels) this.queue(incident, channel, kind, step, `${incident.id}/${kind}/${step}/${channel}`, now);
    const next = steps[step + 1];
    state.nextEscalationAt = next === undefined ? -1 : Math.max(now, state.firstNotifiedAt + next.afterMs);
    if (policy.repeatMs > 0 && state.nextRepeatAt < 0) state.nextRepeatAt = now + policy.repeatMs;
    this.arm(state);
  }

  private queue(incident: Incident, channel: string, kind: NotificationKind, step: number, key: string, now: number, summary?: string): void {
    const group = incident.posted === undefined ? this.policies.rules.get(incident.rule)?.group : undefined;
    const batchMs = group?.withinMs ?? this.policies.channels.get(channel)?.batchMs ?? 0;
    // One notification per group: the values of the `group by` labels, JSON so no two groups share a key.
    const groupKey = group === undefined ? '' : JSON.stringify(group.labels.map((l) => incident.labels[l] ?? null));
    const about = summary === undefined ? this.summaryOf(incident) : { ...this.summaryOf(incident), summary };
    const item = this.outbox.enqueue({ key, channel, kind, step, time: now, rule: incident.rule, incident: about }, batchMs, groupKey);
    if (item === undefined) return;
    const state = this.states.get(incident.id);
    // Who hears the firing hears the resolve; a silence's own expiry notice is no page.
    if (state !== undefined && kind !== 'resolved' && kind !== 'silence_expired' && kind !== 'flapping' && !state.channels.includes(channel)) state.channels.push(channel);
    this.options.onQueued(item);
  }

  private summaryOf(incident: Incident): IncidentSummary {
    return {
      id: incident.id,
      rule: incident.rule,
      state: incident.state,
      severity: incident.severity,
      labels: incident.labels,
      value: incident.value,
      summary: incident.summary,
      openedAt: incident.openedAt,
      resolvedAt: incident.resolvedAt,
      url: this.options.incidentUrl(incident.id),
      ...(incident.posted === undefined ? {} : { posted: { ...incident.posted } }),
    };
  }

  /** Sets one timer per incident at its earliest deadline; stale timers do nothing. */
  private arm(state: IncidentNotifyState): void {
    let due = Infinity;
    for (const t of [state.nextEscalationAt, state.nextRepeatAt, state.recheckAt]) if (t >= 0 && t < due) due = t;
    if (!Number.isFinite(due)) return;
    const armed = this.timers.get(state.incident);
    if (armed !== undefined && armed <= due) return;
    this.timers.set(state.incident, due);
    this.options.clock.schedule(due, () => {
      if (this.timers.get(state.incident) !== due) return;
      this.timers.delete(state.incident);
      this.wake(state.incident);
    });
  }

  private wake(id: string): void {
    const state = this.states.get(id);
    const incident = this.options.book.get(id);
    if (state === undefined || incident === undefined || incident.state === 'resolved') return;
    const now = this.options.clock.now();
    if (state.recheckAt >= 0 && now >= state.recheckAt) {
      state.recheckAt = -1;
      if (state.step < 0) this.decide(incident, state, now);
      else {
        const hold = this.muteOf(incident, now);
        if (hold === undefined) this.unsuppress(incident, state, now);
        else this.muteNotified(incident, state, hold, now);
      }
    }
    const muted = incident.state === 'firing' && state.step >= 0 ? this.muteOf(incident, now) : undefined;
    if (muted !== undefined) {
      // Silenced after it was notified: repeats and escalations wait until the silence ends.
      const until = Math.max(now + 1, muted.until);
      if (state.nextEscalationAt >= 0 && now >= state.nextEscalationAt) state.nextEscalationAt = until;
      if (state.nextRepeatAt >= 0 && now >= state.nextRepeatAt) state.nextRepeatAt = until;
    } else if (incident.state === 'firing' && state.step >= 0) {
      if (state.nextEscalationAt >= 0 && now >= state.nextEscalationAt) {
        this.notifyStep(incident, state, state.step + 1, 'escalation', now);
      } else if (state.nextRepeatAt >= 0 && now >= state.nextRepeatAt) {
        state.repeats++;
        const policy = this.policyOf(incident);
        state.nextRepeatAt = policy.repeatMs > 0 ? now + policy.repeatMs : -1;
        for (const channel of policy.steps[state.step]?.channels ?? []) {
          this.queue(incident, channel, 'repeat', state.step, `${incident.id}/repeat-${state.repeats}/${state.step}/${channel}`, now);
        }
      }
    }
    this.arm(state);
  }
}
