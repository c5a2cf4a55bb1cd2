import type { AlertChange } from './model/alert-change.js';
import { AuditLog, type AuditLogState, type AuditRecord } from './audit-log.js';
import type { Clock } from './clock.js';
import { Engine, type EngineState } from './engine.js';
import type { Event } from './model/event.js';
import { ExternalAlerts, type ExternalAlert, type ExternalAlertState, type ExternalChange } from './external-alerts.js';
import type { Incident, PostedAlert } from './model/incident.js';
import { IncidentBook, type ActionResult, type IncidentBookState } from './incident-book.js';
import type { DeliveryResult } from '../runtime/delivery/delivery.js';
import { Notifier, type NotifierPolicies, type NotifierState } from './notify/notifier.js';
import type { PlaybookSpec } from './playbooks/playbook-spec.js';
import { PlaybookRunner, type PlaybookRunnerState, type RunRequestResult } from './playbooks/playbook-runner.js';
import type { StepOutcome } from './playbooks/step.js';
import type { RuleSpec } from './rule-spec.js';
import type { Silence } from './silences.js';
import { renderTemplate } from './template.js';

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
  | { readonly t: 'events'; readonly at: number; readonly events: readonly Event[] }
  | { readonly t: 'alerts'; readonly at: number; readonly alerts: readonly ExternalAlert[] }
  | { readonly t: 'ack' | 'resolve' | 'comment'; readonly at: number; readonly id: string; readonly by: string; readonly text: string }
  | { readonly t: 'silence'; readonly at: number; readonly silence: Silence }
  | { readonly t: 'unsilence'; readonly at: number; readonly id: string }
  | { readonly t: 'delivery'; readonly at: number; readonly result: DeliveryResult }
  | { readonly t: 'run'; readonly at: number; readonly playbook: string; readonly incident: string | null; readonly labels: Readonly<Record<string, string>>; readonly by: string }
  | { readonly t: 'approve'; readonly at: number; readonly run: string; readonly by: string }
  | { readonly t: 'pause'; readonly at: number; readonly paused: boolean; readonly by: string }
  | { readonly t: 'step_started'; readonly at: number; readonly run: string; readonly step: number; readonly what: string }
  | { readonly t: 'step_result'; readonly at: number; readonly run: string; readonly step: number; readonly outcome: StepOutcome; readonly interrupted?: boolean }
  | { readonly t: 'step_refused'; readonly at: number; readonly run: string; readonly step: number; readonly reason: string }
  | { readonly t: 'audit'; readonly at: number; readonly record: AuditRecord };

/** An input before the clock time is stamped on it. */
export type InputBody = Input extends infer T ? (T extends unknown ? Omit<T, 'at'> : never) : never;

/** What applying an input says back: the outcome of a human action or a playbook request. */
export type ApplyResult = ActionResult | RunRequestResult | undefined;

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
}

export interface CoreOptions {
  readonly clock: Clock;
  readonly rules: CoreRules;
  /** Channels told about alerts posted by Prometheus or Grafana. */
  readonly externalChannels: readonly string[];
  readonly incidentUrl: (id: string) => string;
  readonly maxGroupsPerRule: number;
  readonly onGroupCap: (rule: string, maxGroups: number) => void;
  /** Longest `by` value (engine default when absent); told when an event has a longer one. */
  readonly maxLabelValueLength?: number;
  readonly onLabelTooLong?: (rule: string, label: string, length: number) => void;
  /** Called when notifications were queued (delivery should look). */
  readonly onQueued: () => void;
  /** Every alert change (metrics, logs). */
  readonly onChange?: (change: AlertChange) => void;
  /** Told when a playbook run has a step for an executor. */
  readonly onDispatchable?: () => void;
  /** Record what playbooks would do instead of doing it. */
  readonly dryRun?: boolean;
  /** Start with playbooks paused. */
  readonly paused?: boolean;
}

/**
 * vigil's state machine: the rule engine, incidents and their timeline, silences, and the
 * notification decisions, all on one clock. `apply` is the only way in; the caller journals
 * inputs and moves the clock.
 */
export class Core {
  readonly book = new IncidentBook();
  /** Who changed what over the API. */
  readonly audit = new AuditLog();
  readonly notifier: Notifier;
  readonly runner: PlaybookRunner;
  private engine: Engine;
  private readonly external: ExternalAlerts;
  private readonly silences = new Map<string, Silence>();
  private rules: CoreRules;

  constructor(private readonly options: CoreOptions) {
    this.rules = options.rules;
    this.notifier = new Notifier({
      clock: options.clock,
      book: this.book,
      policies: this.policiesWithExternal(options.rules.policies),
      silences: () => this.silences.values(),
      incidentUrl: options.incidentUrl,
      onQueued: options.onQueued,
    });
    this.runner = new PlaybookRunner({
      clock: options.clock,
      book: this.book,
      playbooks: () => this.rules.playbooks ?? new Map(),
      notify: (incident, channels, key, message) => {
        if (incident !== undefined) this.notifier.queueAction(incident, channels, key, message);
      },
      onDispatchable: () => options.onDispatchable?.(),
      dryRun: options.dryRun ?? false,
      paused: options.paused ?? false,
    });
    this.engine = this.newEngine(options.rules.rules);
    this.external = new ExternalAlerts({ clock: options.clock, onChange: (change, alert) => this.onPosted(change, alert) });
  }

  /** The rule engine currently running (its runtimes give per-group state). */
  get ruleEngine(): Engine {
    return this.engine;
  }

  /** Starts the rules at the clock's time (after `restore`, if any). */
  start(): void {
    this.engine.start(this.options.clock.now());
  }

  /** Applies one input at the clock's current time. */
  apply(input: Input): ApplyResult {
    const now = this.options.clock.now();
    switch (input.t) {
      case 'start':
        this.start();
        return undefined;
      case 'events':
        for (const e of input.events) {
          const event = e.time > now ? { ...e, time: now } : e;
          // The playbook's verification comes first, so the story reads action → verified → resolved.
          this.runner.onEvent(event);
          this.engine.apply(event);
        }
        return undefined;
      case 'alerts':
        this.external.receive(input.alerts);
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

  /** Swaps in a new rule set; rules whose text is unchanged keep their group state. */
  reload(rules: CoreRules): string[] {
    const state = this.engine.snapshot();
    this.rules = rules;
    this.engine = this.newEngine(rules.rules);
    const kept = this.engine.restore(state);
    this.engine.start(this.options.clock.now());
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
    };
  }

  /** Restores a snapshot into a fresh core (before `start`). */
  restore(state: CoreState): void {
    this.book.restore(state.book);
    for (const s of state.silences) this.silences.set(s.id, { ...s });
    this.notifier.restore(state.notifier);
    this.external.restore(state.external);
    if (state.runs !== undefined) this.runner.restore(state.runs);
    if (state.audit !== undefined) this.audit.restore(state.audit);
    this.engine.restore(state.engine);
  }

  private newEngine(rules: readonly RuleSpec[]): Engine {
    return new Engine({
      rules,
      clock: this.options.clock,
      onChange: (change) => this.onAlertChange(change, this.summaryOf(change)),
      maxGroupsPerRule: this.options.maxGroupsPerRule,
      onGroupCap: this.options.onGroupCap,
      maxLabelValueLength: this.options.maxLabelValueLength,
      onLabelTooLong: this.options.onLabelTooLong,
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
    const now = this.options.clock.now();
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
    this.options.onChange?.(change);
    const outcome = this.book.applyChange(change, summary, posted);
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
