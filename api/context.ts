import type { FastifyInstance } from 'fastify';
import type { AuditEntry } from '../engine/audit-log.js';
import type { InputBody } from '../engine/core.js';
import type { ActionResult, IncidentQuery } from '../engine/incident-book.js';
import type { Diagnostic } from '../engine/model/errors.js';
import type { Incident, IncidentState, StoredIncident, TimelineEntry } from '../engine/model/incident.js';
import type { IncidentNotifyState, NotifierPolicies } from '../engine/notify/notifier.js';
import type { OutboxItem } from '../engine/notify/outbox.js';
import type { PlaybookRun, RunRequestResult } from '../engine/playbooks/playbook-runner.js';
import type { GroupView } from '../engine/rule-runtime.js';
import type { RuleSpec } from '../engine/rule-spec.js';
import type { Silence } from '../engine/silences.js';

/** A bearer token and what it may do: read < write < admin. */
export interface ApiToken {
  readonly token: string;
  readonly role: 'read' | 'write' | 'admin';
  /** Who the token stands for, recorded as `by` when a request names nobody. */
  readonly name: string;
}

/**
 * A user for HTTP basic auth (what Grafana's Alertmanager contact point and data source
 * offer), beside bearer tokens: a name, a password, and a role like a token's.
 */
export interface ApiUser {
  readonly name: string;
  readonly password: string;
  readonly role: ApiToken['role'];
}

/** Older history than the service keeps in memory (QuestDB, when configured). */
export interface HistorySource {
  /** Timeline entries with time in [since, until] and id above `after`, oldest first. */
  timeline(query: { since?: number; until?: number; limit?: number; after?: number }): Promise<TimelineEntry[]>;
  /** Incidents as of their latest stored change, newest first. */
  incidents(query: { status?: IncidentState; rule?: string; since?: number; until?: number; limit?: number }): Promise<StoredIncident[]>;
}

/** What a rules reload did. */
export type ReloadOutcome =
  | { readonly ok: true; readonly rules: number; readonly kept: readonly string[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** One compiled rule as the API reads it: its spec, its group count and its groups' views. */
export interface RuleQueryView {
  readonly rule: RuleSpec;
  readonly groupCount: number;
  groups(): Iterable<GroupView>;
}

/**
 * Everything the API reads from the core, and nothing it could change: the one read-only
 * surface between routes and engine state, so routes never reach into the core's parts.
 */
export interface CoreQueries {
  /** Incidents matching the query, newest first. */
  incidents(query: IncidentQuery): Incident[];
  /** One incident, or undefined. */
  incident(id: string): Incident | undefined;
  /** An incident's timeline entries, oldest first. */
  incidentTimeline(incident: Incident): TimelineEntry[];
  /** Incidents held, by state. */
  incidentCounts(): Record<IncidentState, number>;
  /** Timeline entries with time in [since, until] and id above `after`, oldest first. */
  timeline(query: { since?: number; until?: number; limit?: number; after?: number }): TimelineEntry[];
  /** Calls `listener` with each new timeline entry; returns the unsubscribe function. */
  onTimeline(listener: (entry: TimelineEntry) => void): () => void;
  /** The running rules, in order. */
  rules(): RuleQueryView[];
  /** One running rule, or undefined. */
  rule(name: string): RuleQueryView | undefined;
  /** Every silence, newest first. */
  silences(): Silence[];
  /** One silence, or undefined. */
  silence(id: string): Silence | undefined;
  /** Playbook runs, newest first. */
  runs(limit: number): PlaybookRun[];
  /** One playbook run, or undefined. */
  run(id: string): PlaybookRun | undefined;
  /** True while remediation is paused. */
  paused(): boolean;
  /** Where an open incident stands in its notification policy, if it has one. */
  notificationState(incidentId: string): IncidentNotifyState | undefined;
  /** Notifications waiting for delivery for this incident, oldest first. */
  pendingNotifications(incidentId: string): OutboxItem[];
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
  /** Audit entries with time ≥ since and id above `after`, oldest first. */
  audit(query: { since?: number; after?: number; limit?: number }): AuditEntry[];
}

/** What applying an input says back, per kind of input: no casts at the call site. */
export type SubmitResult<I extends InputBody> = I['t'] extends 'ack' | 'resolve' | 'comment'
  ? ActionResult
  : I['t'] extends 'run' | 'approve'
    ? RunRequestResult
    : undefined;

/** Routes a source adds to the API (e.g. `POST /v1/events`): a fastify plugin registered inside the API context. */
export type ApiRoutes = (api: FastifyInstance) => void | Promise<void>;

/**
 * What the HTTP API needs from the running service: the state to read (`queries`), and the
 * one way to change it (`submit` journals an input, then applies it).
 */
export interface ApiContext {
  /** Read-only views of the core's state. */
  readonly queries: CoreQueries;
  /** Journals and applies an input at the clock's time (`at` is filled in). */
  submit<I extends InputBody>(input: I): SubmitResult<I>;
  /** Recompiles the rules from disk; a set that does not compile is refused and the old one stays. */
  reload(): Promise<ReloadOutcome>;
  /** True once the state is recovered and the service takes traffic. */
  ready(): boolean;
  /** The clock's time (epoch ms). */
  now(): number;
  /** Tokens; empty when none are configured (the server then listens on loopback only). */
  readonly tokens: readonly ApiToken[];
  /** Basic-auth users; none when absent. */
  readonly users?: readonly ApiUser[];
  /** A new unique id (for silences). */
  newId(): string;
  /** Where timeline entries older than the in-memory ones are read from, if anywhere. */
  readonly history?: HistorySource;
}
