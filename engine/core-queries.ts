import type { AuditEntry, AuditLog } from './audit-log.js';
import type { DispatchableStep } from './effects.js';
import type { IncidentBook } from './incident-book.js';
import type { IncidentQuery } from './model/incident-query.js';
import type { Incident, IncidentState, TimelineEntry } from './model/incident.js';
import type { IncidentNotifyState, Notifier, NotifierPolicies } from './notify/notifier.js';
import type { OutboxItem } from './notify/outbox.js';
import type { PlaybookRun, PlaybookRunner } from './playbooks/playbook-runner.js';
import type { GroupView, RuleRuntime } from './rule-runtime.js';
import type { RuleSpec } from './rule-spec.js';
import type { Silence } from './silences.js';

/** A compiled rule as the core runs it, with its groups. */
export interface RuleInfo {
  readonly spec: RuleSpec;
  /** Number of groups kept now. */
  readonly groupCount: number;
  /** Every group's current state. */
  groups(): IterableIterator<GroupView>;
}

/** Timeline filters: time in [since, until], id above `after`, oldest first, at most `limit`. */
export interface TimelineQuery {
  readonly since?: number;
  readonly until?: number;
  readonly limit?: number;
  readonly after?: number;
}

/**
 * Read-only questions about the core's state, for the API, metrics and the runtime (which
 * delivers what the outbox holds and runs what the playbooks wait for). Nothing here
 * changes state: every change is an input to `Core.apply`.
 */
export interface CoreQueries {
  /** Incidents newest first: `status`, `rule`, open at or after `since`, opened by `until`, `limit`. */
  incidents(query: IncidentQuery): Incident[];
  incident(id: string): Incident | undefined;
  /** The open incident of an alert (rule + labels), if any. */
  openIncident(rule: string, labels: Readonly<Record<string, string>>): Incident | undefined;
  /** One incident's timeline, oldest first. */
  incidentTimeline(incident: Incident): TimelineEntry[];
  incidentCount(): number;
  incidentCountByState(): Record<IncidentState, number>;
  /** Timeline entries across incidents, oldest first. */
  timeline(query: TimelineQuery): TimelineEntry[];
  /** Calls `listener` with every new timeline entry; returns the unsubscribe. */
  onTimeline(listener: (entry: TimelineEntry) => void): () => void;
  rules(): RuleInfo[];
  rule(name: string): RuleInfo | undefined;
  /** Every silence, newest first. */
  silences(): Silence[];
  silence(id: string): Silence | undefined;
  /** Playbook runs newest first. */
  playbookRuns(limit?: number): PlaybookRun[];
  playbookRun(id: string): PlaybookRun | undefined;
  playbooksPaused(): boolean;
  /** Steps waiting for an executor. */
  dispatchableSteps(): DispatchableStep[];
  /** Runs whose step was handed to an executor when the process stopped. */
  interruptedRuns(): PlaybookRun[];
  /** An open incident's notification state (escalation step, what holds it back). */
  notifyState(incident: string): IncidentNotifyState | undefined;
  /** Notifications not yet delivered, oldest first; only those due at `now` when given. */
  pendingNotifications(now?: number): OutboxItem[];
  /** Whether a notification key was delivered (or given up) already. */
  notificationSent(key: string): boolean;
  /** API writes with time ≥ `since` and id above `after`, oldest first. */
  audit(query: { since?: number; after?: number; limit?: number }): AuditEntry[];
  /** Every incident not yet resolved (the Alertmanager API's alerts). */
  openIncidents(): Incident[];
  /** Ids of the silences in force at `time` that match the incident's alert. */
  silencedBy(incident: Incident, time: number): string[];
  /** The open incidents whose alerts inhibit this one now. */
  inhibitedBy(incident: Incident): Incident[];
  /** The channels an incident is routed to, every escalation step included. */
  channelsOf(incident: Incident): string[];
  /** Where a person reads an incident. */
  incidentUrl(id: string): string;
  /** The notification policies in force (routes, channels, the default route of posted alerts). */
  policies(): NotifierPolicies;
}

function ruleInfo(runtime: RuleRuntime): RuleInfo {
  return {
    spec: runtime.rule,
    get groupCount() {
      return runtime.groupCount;
    },
    groups: () => runtime.view(),
  };
}

/** The queries over a core's parts; `runtimes` is read on every call (a reload swaps it). */
export function coreQueries(parts: {
  readonly book: IncidentBook;
  readonly notifier: Notifier;
  readonly runner: PlaybookRunner;
  readonly runtimes: () => ReadonlyMap<string, RuleRuntime>;
  readonly silences: () => Silence[];
  readonly silence: (id: string) => Silence | undefined;
  readonly audit: AuditLog;
  readonly policies: () => NotifierPolicies;
  readonly incidentUrl: (id: string) => string;
}): CoreQueries {
  const { book, notifier, runner } = parts;
  return {
    incidents: (query) => book.list(query),
    incident: (id) => book.get(id),
    openIncident: (rule, labels) => book.openFor(rule, labels),
    incidentTimeline: (incident) => book.entriesOf(incident),
    incidentCount: () => book.incidentCount,
    incidentCountByState: () => book.countByState(),
    timeline: (query) => book.entries(query),
    onTimeline: (listener) => book.onEntry(listener),
    rules: () => [...parts.runtimes().values()].map(ruleInfo),
    rule: (name) => {
      const runtime = parts.runtimes().get(name);
      return runtime === undefined ? undefined : ruleInfo(runtime);
    },
    silences: parts.silences,
    silence: parts.silence,
    playbookRuns: (limit) => runner.list(limit),
    playbookRun: (id) => runner.get(id),
    playbooksPaused: () => runner.isPaused,
    dispatchableSteps: () => runner.dispatchable(),
    interruptedRuns: () => runner.interrupted(),
    notifyState: (incident) => notifier.stateOf(incident),
    pendingNotifications: (now) => notifier.outbox.due(now ?? Infinity),
    notificationSent: (key) => notifier.outbox.isSent(key),
    audit: (query) => parts.audit.list(query),
    openIncidents: () => [...book.openIncidents()],
    silencedBy: (incident, time) => notifier.silencedBy(incident, time),
    inhibitedBy: (incident) => notifier.inhibitedBy(incident),
    channelsOf: (incident) => notifier.channelsOf(incident),
    incidentUrl: parts.incidentUrl,
    policies: parts.policies,
  };
}
