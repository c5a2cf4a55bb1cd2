import type { IncidentState } from './incident.js';

/**
 * The filters of the incident list (interfaces spec), with one meaning wherever incidents
 * are listed: the incident book in memory and the history in QuestDB. `status` and `rule`
 * match exactly; `since` and `until` (epoch ms, inclusive) keep the incidents open at some
 * point in [since, until], i.e. opened at or before `until` and not resolved before `since`;
 * `limit` is how many, newest first (default 100, at most 1,000).
 */
export interface IncidentQuery {
  readonly status?: IncidentState;
  readonly rule?: string;
  readonly since?: number;
  readonly until?: number;
  readonly limit?: number;
  /** Return incidents opened before this one (paging, newest first); memory only. */
  readonly before?: string;
}

/** Incidents a list returns when the query names no limit. */
export const DEFAULT_INCIDENT_LIMIT = 100;
/** Most incidents one list returns. */
export const MAX_INCIDENT_LIMIT = 1000;

/** The number of incidents `query` asks for: its limit as a whole number from 1 to the maximum. */
export function incidentLimit(query: Pick<IncidentQuery, 'limit'>): number {
  return Math.max(1, Math.min(Math.trunc(query.limit ?? DEFAULT_INCIDENT_LIMIT), MAX_INCIDENT_LIMIT));
}

/** Whether an incident passes the query's filters (`limit` and `before` are for the caller's paging). */
export function matchesIncidentQuery(
  incident: { readonly state: IncidentState; readonly rule: string; readonly openedAt: number; readonly resolvedAt: number | null },
  query: IncidentQuery,
): boolean {
  if (query.status !== undefined && incident.state !== query.status) return false;
  if (query.rule !== undefined && incident.rule !== query.rule) return false;
  if (query.since !== undefined && incident.resolvedAt !== null && incident.resolvedAt < query.since) return false;
  if (query.until !== undefined && incident.openedAt > query.until) return false;
  return true;
}
