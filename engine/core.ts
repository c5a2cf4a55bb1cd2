import type { AlertChange } from './model/alert-change.js';
import { AuditLog, type AuditLogState, type AuditRecord } from './audit-log.js';
import { CoreClock } from './core-clock.js';
import { coreQueries, type CoreQueries } from './core-queries.js';
import type { DispatchableStep, Effects, EventRejection, GroupCapReport } from './effects.js';
import { Engine, type EngineState } from './engine.js';
import type { Event } from './model/event.js';
import type { SourceCheckpoint } from './model/source.js';
import { ExternalAlerts, type ExternalAlert, type ExternalAlertState, type ExternalChange } from './external-alerts.js';
import type { Incident, PostedAlert } from './model/incident.js';
import { formatDuration } from './model/duration.js';
import { splitOldSelfAlerts } from './old-self-alerts.js';
import { SelfAlerts, type SelfAlertState } from './self-alerts.js';
import { IncidentBook, type ActionResult, type IncidentBookState } from './incident-book.js';
import type { DeliveryResult } from './model/delivery-result.js';
import { Notifier, type NotifierPolicies, type NotifierState } from './notify/notifier.js';
import type { OutboxItem } from './notify/outbox.js';
import type { PlaybookSpec } from './playbooks/playbook-spec.js';
import { PlaybookRunner, type PlaybookRunnerState, type RunRequestResult } from './playbooks/playbook-runner.js';
import type { StepOutcome } from './playbooks/step.js';
import type { RuleSpec } from './rule-spec.js';
import { silenceMatches, type Silence } from './silences.js';
import { alertmanagerLabels } from './alertmanager-labels.js';
import { renderTemplate } from './template.js';
import { OpenGate, type OpenGateState } from './open-gate.js';

/**
 * The stream on which alerts posted through the Alertmanager API are events: one when an
 * alert starts firing (`status: "firing"`) and one when it ends (`status: "resolved"`).
 */
export const POSTED_ALERTS_STREAM = 'alerts';

/**
 * Every input that changes vigil's state. Each is journaled before it is applied, and the
 * state is a deterministic function of the inputs and their clock times, so replaying the
 * journal after a crash rebuilds it exactly.
 */
export type Input =
  | { readonly t: 'start'; readonly at: number }
  | { readonly t: 'events'; readonly at: number; readonly events: readonly Event[]; readonly checkpoint?: SourceCheckpoint }
  | { readonly t: 'alerts'; readonly at: number; readonly alerts: readonly ExternalAlert[] }
  | { readonly t: 'ack' | 'resolve' | 'comment'; readonly at: number; readonly id: string; readonly by: string; readonly text: string }
  | { readonly t: 'silence'; readonly at: number; readonly silence: Silence }
  | { readonly t: 'unsilence'; readonly at: number; readonly id: string }
  | { readonly t: 'delivery'; readonly at: number; readonly result: DeliveryResult }
  /** A delivery attempt about to start, journaled before the send: after a crash its items may have reached the receiver. */
  | { readonly t: 'attempt'; readonly at: number; readonly channel: string; readonly keys: readonly string[]; readonly attempt: number }
  | { readonly t: 'run'; readonly at: number; readonly playbook: string; readonly incident: string | null; readonly labels: Readonly<Record<string, string>>; readonly by: string }
  | { readonly t: 'approve'; readonly at: number; readonly run: string; readonly by: string }
  | { readonly t: 'pause'; readonly at: number; readonly paused: boolean; readonly by: string }
  | { readonly t: 'step_started'; readonly at: number; readonly run: string; readonly step: number; readonly what: string }
  | { readonly t: 'step_result'; readonly at: number; readonly run: string; readonly step: number; readonly outcome: StepOutcome; readonly interrupted?: boolean }
  | { readonly t: 'step_refused'; readonly at: number; readonly run: string; readonly step: number; readonly reason: string }
  | { readonly t: 'self'; readonly at: number; readonly name: string; readonly firing: boolean; readonly summary: string }
  | { readonly t: 'audit'; readonly at: number; readonly record: AuditRecord };

/** An input before the clock time is stamped on it. */
export type InputBody = Input extends infer T ? (T extends unknown ? Omit<T, 'at'> : never) : never;

/** What applying an input says back: the outcome of a human action or a playbook request. */
export type ApplyResult = ActionResult | RunRequestResult | undefined;

/** The typed answer to one kind of input: human actions and playbook requests say how they went. */
export type ResultOf<I extends { readonly t: string }> = I extends { readonly t: 'ack' | 'resolve' | 'comment' }
  ? ActionResult
  : I extends { readonly t: 'run' | 'approve' }
    ? RunRequestResult
    : undefined;

/** How long a self-alert fires unless it is reported again (the shell repeats it while it holds). */
export const SELF_ALERT_TIMEOUT_MS = 10 * 60_000;

/** The self-alert that fires while a rule's group cap refuses new groups. */
export const GROUP_CAP_ALERT = 'vigil_group_cap';

/** A compiled rule set as the core runs it. */
export interface CoreRules {
  readonly rules: readonly RuleSpec[];
  readonly policies: NotifierPolicies;
  /** Playbooks by name, and which playbook each rule runs (`run`). */
  readonly playbooks?: ReadonlyMap<string, PlaybookSpec>;
  readonly ruleRuns?: ReadonlyMap<string, string>;
}

/** The whole state as plain data (a snapshot). */
export interface CoreState {
  readonly version: 1;
  readonly engine: EngineState;
  readonly book: IncidentBookState;
  readonly notifier: NotifierState;
  readonly silences: readonly Silence[];
  readonly external: readonly ExternalAlertState[];
  readonly runs?: PlaybookRunnerState;
  readonly audit?: AuditLogState;
  /** vigil's own alerts (absent in snapshots written before they existed). */
  readonly self?: readonly SelfAlertState[];
  /** Alerts of `open when` rules waiting for their threshold (absent in older snapshots). */
  readonly gate?: OpenGateState;
}

export interface CoreOptions {
  readonly rules: CoreRules;
  /** Channels told about alerts posted by Prometheus or Grafana. */
  readonly externalChannels: readonly string[];
  readonly incidentUrl: (id: string) => string;
  readonly maxGroupsPerRule: number;
  /** The core's clock time before its first input (default 0). */
  readonly start?: number;
  /** Events older than this behind the clock are refused (default: no limit). */
  readonly latenessMs?: number;
  /** Events stamped further ahead of the clock than this are refused (default: no limit); nearer ones count as now. */
  readonly maxFutureMs?: number;
  /** Longest `by` value (engine default when absent); told when an event has a longer one. */
  readonly maxLabelValueLength?: number;
  readonly onLabelTooLong?: (rule: string, label: string, length: number) => void;
  /** Record what playbooks would do instead of doing it. */
  readonly dryRun?: boolean;
  /** Start with playbooks paused. */
  readonly paused?: boolean;
  /** How incident ids start (default `inc-`): a cluster partition's core makes them unique across partitions. */
  readonly incidentIdPrefix?: string;
}

const NO_CHANGES: readonly AlertChange[] = [];
const NO_ITEMS: readonly OutboxItem[] = [];
const NO_STEPS: readonly DispatchableStep[] = [];
const NO_REJECTIONS: readonly EventRejection[] = [];
const NO_CAPS: readonly GroupCapReport[] = [];

/** An epoch-ms time for a reason text; times past what a Date holds are shown as numbers. */
function timeText(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

/**
 * vigil's state machine: the rule engine, incidents and their timeline, silences, the
 * notification decisions, playbook runs and vigil's own alerts, all on the core's own clock
 * and timer queue. `apply(input)` moves the clock to `input.at` (firing the timers due on the
 * way), then applies the input; `advance(now)` fires due timers. Both return the effects as
 * data; the caller journals inputs, performs the effects and feeds their outcomes back.
 */
export class Core {
  readonly book = new IncidentBook();
  /** Who changed what over the API. */
  readonly audit = new AuditLog();
  readonly notifier: Notifier;
  readonly runner: PlaybookRunner;
  /** Read-only questions about the state (the API, metrics, delivery and step driving). */
  readonly queries: CoreQueries;
  private readonly clock: CoreClock;
  private engine: Engine;
  private readonly external: ExternalAlerts;
  private readonly selfAlerts: SelfAlerts;
  private readonly gate: OpenGate;
  private readonly silences = new Map<string, Silence>();
  private rules: CoreRules;
  private readonly latenessMs: number;
  private readonly maxFutureMs: number;
  // Effects gathered since the last apply/advance returned.
  private changes: AlertChange[] = [];
  private queued: OutboxItem[] = [];
  private stepsReady = false;
  private rejections: EventRejection[] = [];
  private caps: Map<string, { maxGroups: number; dropped: number }> | null = null;
  /** Batch windows with a timer set, by end time. */
  private readonly batchTimers = new Set<number>();

  constructor(private readonly options: CoreOptions) {
    this.rules = options.rules;
    if (options.incidentIdPrefix !== undefined) this.book.setIdPrefix(options.incidentIdPrefix);
    this.latenessMs = options.latenessMs ?? Infinity;
    this.maxFutureMs = options.maxFutureMs ?? Infinity;
    const clock = (this.clock = new CoreClock(options.start ?? 0));
    this.notifier = new Notifier({
      clock,
      book: this.book,
      policies: this.policiesWithExternal(options.rules.policies),
      silences: () => this.silences.values(),
      incidentUrl: options.incidentUrl,
      onQueued: (item) => this.onQueued(item),
    });
    this.runner = new PlaybookRunner({
      clock,
      book: this.book,
      playbooks: () => this.rules.playbooks ?? new Map(),
      notify: (incident, channels, key, message) => {
        if (incident !== undefined) this.notifier.queueAction(incident, channels, key, message);
      },
      onDispatchable: () => {
        this.stepsReady = true;
      },
      dryRun: options.dryRun ?? false,
      paused: options.paused ?? false,
    });
    this.gate = new OpenGate({
      policy: (rule) => this.rules.policies.rules.get(rule)?.openWhen,
      ruleOpen: (rule) => {
        for (const inc of this.book.openIncidents()) if (inc.rule === rule && inc.posted === undefined) return true;
        return false;
      },
    });
    this.engine = this.newEngine(options.rules.rules);
    this.external = new ExternalAlerts({ clock, onChange: (change, alert) => this.onPosted(change, alert) });
    this.selfAlerts = new SelfAlerts(clock, (change, summary) => this.onAlertChange(change, summary));
    this.queries = coreQueries({
      book: this.book,
      notifier: this.notifier,
      runner: this.runner,
      runtimes: () => this.engine.runtimes,
      silences: () => this.listSilences(),
      silence: (id) => this.getSilence(id),
      audit: this.audit,
      policies: () => this.policies,
      incidentUrl: (id) => this.incidentUrl(id),
    });
  }

  /** The rule engine currently running (its runtimes give per-group state). */
  get ruleEngine(): Engine {
    return this.engine;
  }

  /** The core's clock time: the latest input's or timer's time. */
  get now(): number {
    return this.clock.now();
  }

  /** Due time of the earliest pending timer, or null: when `advance` has work next. */
  get nextDeadline(): number | null {
    return this.clock.nextDue();
  }

  /** Starts the rules at the clock's time (after `restore`, if any). */
  start(): void {
    this.engine.start(this.clock.now());
  }

  /** Moves the clock to `input.at`, firing due timers first, then applies the input. */
  apply<I extends Input>(input: I): Effects<ResultOf<I>> {
    this.clock.advance(input.at);
    return this.collect(this.applyNow(input, this.clock.now()) as ResultOf<I>);
  }

  /** Moves the clock to `now`, firing every timer due by then. */
  advance(now: number): Effects {
    this.clock.advance(now);
    return this.collect(undefined);
  }

  private applyNow(input: Input, now: number): ApplyResult {
    switch (input.t) {
      case 'start':
        this.start();
        return undefined;
      case 'events':
        this.applyEvents(input.events, now);
        return undefined;
      case 'alerts':
        this.external.receive(input.alerts);
        return undefined;
      case 'self':
        this.selfAlerts.receive([
          { labels: { alertname: input.name, severity: 'warning', source: 'vigil' }, annotations: { summary: input.summary }, endsAt: input.firing ? now + SELF_ALERT_TIMEOUT_MS : now },
        ]);
        return undefined;
      case 'ack': {
        const r = this.book.ack(input.id, now, input.by, input.text);
        if (r.ok) this.notifier.acknowledged(r.incident);
        return r;
      }
      case 'resolve': {
        const r = this.book.resolve(input.id, now, input.by, input.text);
        if (r.ok) this.notifier.resolved(r.incident);
        return r;
      }
      case 'comment':
        return this.book.comment(input.id, now, input.by, input.text);
      case 'silence':
        this.silences.set(input.silence.id, { ...input.silence });
        this.armSilenceEnd(input.silence);
        this.notifier.silencesChanged();
        return undefined;
      case 'unsilence': {
        const s = this.silences.get(input.id);
        if (s !== undefined && s.expiredAt === null) s.expiredAt = now;
        this.notifier.silencesChanged();
        return undefined;
      }
      case 'delivery':
        this.applyDelivery(input.result, now);
        return undefined;
      case 'attempt':
        this.notifier.outbox.markAttempted(input.keys);
        return undefined;
      case 'run': {
        const incident = input.incident === null ? null : (this.book.get(input.incident) ?? null);
        return this.runner.request(input.playbook, incident, incident?.labels ?? input.labels, input.by);
      }
      case 'approve':
        return this.runner.approve(input.run, input.by);
      case 'pause':
        this.runner.setPaused(input.paused);
        return undefined;
      case 'step_started':
        this.runner.describe(input.run, input.what);
        this.runner.dispatched(input.run, input.step);
        return undefined;
      case 'step_result':
        this.runner.stepResult(input.run, input.step, input.outcome, input.interrupted === true);
        return undefined;
      case 'step_refused':
        this.runner.refuse(input.run, input.step, input.reason);
        return undefined;
      case 'audit':
        this.audit.record(input.record, now);
        return undefined;
    }
  }

  /**
   * Events older than the allowed lateness, or stamped further ahead than the allowed
   * future, are refused with the reason; an event a little ahead counts as now.
   */
  private applyEvents(events: readonly Event[], now: number): void {
    const oldest = now - this.latenessMs;
    const newest = now + this.maxFutureMs;
    for (let index = 0; index < events.length; index++) {
      let event = events[index]!;
      const time = event.time;
      if (time < oldest) {
        this.rejections.push({ index, error: `late: ${timeText(time)} is more than ${formatDuration(this.latenessMs)} behind the clock` });
        continue;
      }
      if (time > now) {
        if (time > newest || !Number.isFinite(time)) {
          this.rejections.push({ index, error: `future: ${timeText(time)} is more than ${formatDuration(this.maxFutureMs)} ahead of the clock` });
          continue;
        }
        event = { ...event, time: now };
      }
      // The playbook's verification comes first, so the story reads action → verified → resolved.
      this.runner.onEvent(event);
      this.engine.apply(event);
    }
  }

  /** Hands over the effects gathered since the last call. */
  private collect<R>(result: R): Effects<R> {
    const changes = this.changes.length === 0 ? NO_CHANGES : this.changes;
    if (changes !== NO_CHANGES) this.changes = [];
    const notifications = this.queued.length === 0 ? NO_ITEMS : this.queued;
    if (notifications !== NO_ITEMS) this.queued = [];
    const rejections = this.rejections.length === 0 ? NO_REJECTIONS : this.rejections;
    if (rejections !== NO_REJECTIONS) this.rejections = [];
    let steps = NO_STEPS;
    if (this.stepsReady) {
      this.stepsReady = false;
      steps = this.runner.dispatchable();
    }
    let groupCaps = NO_CAPS;
    if (this.caps !== null) {
      groupCaps = [...this.caps].map(([rule, c]) => ({ rule, maxGroups: c.maxGroups, dropped: c.dropped }));
      this.caps = null;
    }
    return { result, changes, notifications, steps, rejections, groupCaps, nextDeadline: this.clock.nextDue() };
  }

  /** The notification policies in force: the rules' routes and channels, and the default route of posted alerts. */
  get policies(): NotifierPolicies {
    return this.policiesWithExternal(this.rules.policies);
  }

  /** Where a person reads an incident. */
  incidentUrl(id: string): string {
    return this.options.incidentUrl(id);
  }

  /** Every silence, newest first. */
  listSilences(): Silence[] {
    return [...this.silences.values()].reverse();
  }

  getSilence(id: string): Silence | undefined {
    return this.silences.get(id);
  }

  /** Swaps in a new rule set at the clock's time; rules whose text is unchanged keep their group state. */
  reload(rules: CoreRules): string[] {
    const state = this.engine.snapshot();
    this.rules = rules;
    this.engine = this.newEngine(rules.rules);
    const kept = this.engine.restore(state);
    this.engine.start(this.clock.now());
    this.notifier.setPolicies(this.policiesWithExternal(rules.policies));
    return kept;
  }

  snapshot(): CoreState {
    return {
      version: 1,
      engine: this.engine.snapshot(),
      book: this.book.snapshot(),
      notifier: this.notifier.snapshot(),
      silences: [...this.silences.values()],
      external: this.external.snapshot(),
      runs: this.runner.snapshot(),
      audit: this.audit.snapshot(),
      self: this.selfAlerts.snapshot(),
      gate: this.gate.snapshot(),
    };
  }

  /** Restores a snapshot taken at clock time `at` into a fresh core (before `start`). */
  restore(state: CoreState, at: number): void {
    this.clock.advance(at);
    this.book.restore(state.book);
    for (const s of state.silences) this.silences.set(s.id, { ...s });
    for (const s of state.silences) if (s.endsAt > at) this.armSilenceEnd(s);
    this.notifier.restore(state.notifier);
    for (const item of this.notifier.outbox.due(Infinity)) if (item.notBefore > at) this.armBatch(item.notBefore);
    // Snapshots written before self-alerts had their own state kept them with posted alerts
    // (without fingerprints, so posted alerts of that shape are skipped and posted again).
    const self = state.self ?? splitOldSelfAlerts(state.external as unknown as readonly SelfAlertState[]).self;
    this.external.restore(state.external);
    this.selfAlerts.restore(self);
    if (state.runs !== undefined) this.runner.restore(state.runs);
    if (state.audit !== undefined) this.audit.restore(state.audit);
    if (state.gate !== undefined) this.gate.restore(state.gate);
    this.engine.restore(state.engine);
  }

  private newEngine(rules: readonly RuleSpec[]): Engine {
    return new Engine({
      rules,
      clock: this.clock,
      onChange: (change) => this.onAlertChange(change, this.summaryOf(change)),
      maxGroupsPerRule: this.options.maxGroupsPerRule,
      onGroupCap: (rule, maxGroups) => this.groupCapAlert(rule, true, `rule ${rule} reached its cap of ${maxGroups} groups; new groups are dropped`),
      onGroupDropped: (rule, maxGroups) => {
        this.caps ??= new Map();
        const c = this.caps.get(rule);
        if (c === undefined) this.caps.set(rule, { maxGroups, dropped: 1 });
        else c.dropped++;
      },
      onGroupRoom: (rule) => this.groupCapAlert(rule, false, `rule ${rule} takes new groups again`),
      maxLabelValueLength: this.options.maxLabelValueLength,
      onLabelTooLong: this.options.onLabelTooLong,
    });
  }

  /** The group cap's self-alert of one rule: fires while the cap refuses groups, resolves when one is taken again. */
  private groupCapAlert(rule: string, firing: boolean, summary: string): void {
    const alert: ExternalAlert = {
      labels: { alertname: GROUP_CAP_ALERT, severity: 'warning', source: 'vigil', capped_rule: rule },
      annotations: { summary },
      ...(firing ? {} : { endsAt: this.clock.now() }),
    };
    this.selfAlerts.receive([alert], true);
  }

  /**
   * A silence created with `notify` tells its channels, when it ends, about each incident it
   * matched whose alert still fires (a silence deleted early tells nobody: someone chose to).
   */
  private armSilenceEnd(silence: Silence): void {
    if ((silence.notify ?? []).length === 0 || !Number.isFinite(silence.endsAt) || silence.endsAt < this.clock.now()) return;
    this.clock.schedule(silence.endsAt, () => {
      const s = this.silences.get(silence.id);
      if (s === undefined || s.expiredAt !== null || s.endsAt !== silence.endsAt) return;
      for (const incident of [...this.book.openIncidents()]) {
        if (incident.alertFiring && silenceMatches(s, alertmanagerLabels(incident))) this.notifier.silenceExpired(incident, s.id, s.notify ?? []);
      }
    });
  }

  private onQueued(item: OutboxItem): void {
    if (item.notBefore <= this.clock.now()) this.queued.push(item);
    else this.armBatch(item.notBefore);
  }

  /** A timer at the end of a batch window: its items become due for delivery then. */
  private armBatch(due: number): void {
    if (this.batchTimers.has(due)) return;
    this.batchTimers.add(due);
    this.clock.schedule(due, () => {
      this.batchTimers.delete(due);
      for (const item of this.notifier.outbox.due(due)) if (item.notBefore === due) this.queued.push(item);
    });
  }

  private summaryOf(change: AlertChange): string {
    const template = this.rules.policies.rules.get(change.rule)?.summary ?? '';
    return template === '' ? '' : renderTemplate(template, { ...change.labels, value: change.value });
  }

  /**
   * A posted alert fired, was posted again, or ended: its incident follows, and the change
   * is an event on the stream `alerts` (labels and annotations as fields), so rules can
   * route, escalate and remediate on it.
   */
  private onPosted(kind: ExternalChange, alert: ExternalAlertState): void {
    const now = this.clock.now();
    const posted: PostedAlert = {
      fingerprint: alert.fingerprint,
      annotations: alert.annotations,
      generatorURL: alert.generatorURL,
      startsAt: alert.startsAt,
      endsAt: alert.endsAt,
      updatedAt: alert.updatedAt,
    };
    const summary = alert.annotations.summary ?? alert.annotations.description ?? '';
    if (kind === 'updated') {
      this.book.updatePosted(posted, summary);
      return;
    }
    const state = kind === 'firing' ? 'firing' : 'resolved';
    this.onAlertChange({ time: now, rule: alert.rule, state, labels: alert.labels, value: null }, summary, posted);
    const event: Event = {
      ...alert.annotations,
      ...alert.labels,
      stream: POSTED_ALERTS_STREAM,
      time: now,
      status: state,
      fingerprint: alert.fingerprint,
      startsAt: alert.startsAt,
      endsAt: alert.endsAt,
      generatorURL: alert.generatorURL,
      labels: alert.labels,
    };
    this.runner.onEvent(event);
    this.engine.apply(event);
  }

  private onAlertChange(change: AlertChange, summary: string, posted?: PostedAlert): void {
    this.changes.push(change);
    if (posted === undefined) {
      const gate = this.gate.admit(change, summary);
      if (gate.t === 'held') {
        this.book.recordLoose(change.time, change.rule, 'pending', change.labels, { openWhen: { waiting: gate.waiting, of: gate.of, withinMs: gate.withinMs } });
        return;
      }
      if (gate.t === 'dropped') {
        this.book.recordLoose(change.time, change.rule, 'pending', change.labels, { openWhen: { resolvedWhileWaiting: true } });
        return;
      }
      if (gate.t === 'release') {
        // The threshold is reached now: every waiting alert of the rule opens its incident.
        for (const w of gate.alerts) this.toBook({ ...w.change, time: change.time }, w.summary);
        return;
      }
    }
    this.toBook(change, summary, posted);
  }

  /** An alert change as the incident book, notifier and playbooks take it. */
  private toBook(change: AlertChange, summary: string, posted?: PostedAlert): void {
    const outcome = this.book.applyChange(change, summary, posted, (incident) => this.notifier.suppressionOf(incident.id) ?? this.notifier.muteOf(incident, change.time)?.by ?? null);
    if (outcome === undefined) return;
    if (!outcome.opened) {
      this.notifier.resolved(outcome.incident);
      return;
    }
    this.notifier.opened(outcome.incident);
    if (posted !== undefined) return;
    // Remediation starts with the alert, unless maintenance or inhibition holds it back.
    const playbook = this.rules.ruleRuns?.get(change.rule);
    if (playbook !== undefined && this.notifier.stateOf(outcome.incident.id)?.heldBy === null) {
      this.runner.request(playbook, outcome.incident, outcome.incident.labels, 'engine');
    }
  }

  private applyDelivery(result: DeliveryResult, now: number): void {
    const items = result.ok ? this.notifier.outbox.markSent(result.keys) : this.notifier.outbox.markFailed(result.keys, result.final === true);
    for (const item of items) {
      const incident: Incident | undefined = this.book.get(item.incident.id);
      if (incident === undefined) continue;
      if (result.ok) this.book.record(now, incident, 'notified', { channel: item.channel, kind: item.kind, key: item.key, step: item.step });
      else {
        this.book.record(now, incident, 'notify_failed', {
          channel: item.channel,
          kind: item.kind,
          key: item.key,
          reason: result.reason,
          attempt: result.attempt,
          final: result.final === true,
        });
      }
    }
  }

  private policiesWithExternal(policies: NotifierPolicies): NotifierPolicies {
    return { ...policies, fallbackChannels: this.options.externalChannels };
  }
}
