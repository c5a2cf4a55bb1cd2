import type { FastifyInstance } from 'fastify';
import type { CoreQueries } from '../engine/core-queries.js';
import type { InputBody, ResultOf } from '../engine/core.js';
import type { CheckStatus } from '../engine/model/check-status.js';
import type { Diagnostic } from '../engine/model/errors.js';
import type { StoredIncident, TimelineEntry } from '../engine/model/incident.js';
import type { IncidentQuery } from '../engine/model/incident-query.js';

/** A bearer token and what it may do: read < write < admin. */
export interface ApiToken {
  readonly token: string;
  readonly role: 'read' | 'write' | 'admin';
  /** Who the token stands for, recorded as `by` when a request names nobody. */
  readonly name: string;
}

/** A basic-auth user (Alertmanager's `basic_auth`, as amtool and Prometheus send it) and its role. */
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
  incidents(query: Omit<IncidentQuery, 'before'>): Promise<StoredIncident[]>;
}

/** What a rules reload did. */
export type ReloadOutcome =
  | { readonly ok: true; readonly rules: number; readonly kept: readonly string[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Routes a source adds to the API (e.g. `POST /v1/events`): a fastify plugin registered inside the API context. */
export type ApiRoutes = (api: FastifyInstance) => void | Promise<void>;

/**
 * What the HTTP API needs from the running service: the state to read (`queries`), and the
 * one way to change it (`submit` journals an input, then applies it).
 */
export interface ApiContext {
  /** Read-only views of the core's state (the core's `queries`). */
  readonly queries: CoreQueries;
  /** Journals and applies an input at the clock's time (`at` is filled in). */
  submit<I extends InputBody>(input: I): ResultOf<I>;
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
  /** The health checks with their latest results (the console's Checks page); none when absent. */
  readonly checks?: () => readonly CheckStatus[];
}
