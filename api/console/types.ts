import type { checkView } from '../checks.js';
import type { entryView, incidentView, silenceView } from '../views.js';
// The route modules' fastify config types (audit, auth) come with them.
import type {} from '../audit-hook.js';
import type {} from '../auth.js';
import type { runView } from '../playbooks.js';
import type { statusPageView } from '../status-page.js';

/**
 * The JSON shapes the console reads, taken from the API's own view functions so the page
 * and the server cannot drift apart.
 */

/** An incident as `GET /v1/incidents` lists it. */
export type IncidentView = ReturnType<typeof incidentView>;
/** A timeline entry as the API and the event stream send it. */
export type EntryView = ReturnType<typeof entryView>;
/** A silence with its status. */
export type SilenceView = ReturnType<typeof silenceView>;
/** A playbook run with its steps. */
export type RunView = ReturnType<typeof runView>;
/** The public status page's data. */
export type StatusPageData = ReturnType<typeof statusPageView>;
/** A health check with its latest results (`GET /v1/checks`). */
export type CheckView = ReturnType<typeof checkView>;
/** What `GET /v1/whoami` answers. */
export interface Caller {
  readonly name: string;
  readonly role: 'read' | 'write' | 'admin';
}
/** A rule as `GET /v1/rules` lists it. */
export interface RuleSummary {
  readonly name: string;
  /** `file:line` where the rule is written. */
  readonly where: string | null;
  readonly severity: string;
  readonly forMs: number;
  readonly keepMs: number;
  readonly groupCount: number;
  readonly firing: number;
  readonly pending: number;
}
/** One rule with its groups (`GET /v1/rules/:name`). */
export interface RuleDetail extends RuleSummary {
  readonly streams: readonly string[];
  readonly text: string | null;
  readonly groups: readonly { labels: Record<string, string>; phase: string; since: string; holds: boolean; value: unknown }[];
  readonly truncated: boolean;
}
/** One incident with its timeline (`GET /v1/incidents/:id`). */
export type IncidentDetail = IncidentView & { readonly timeline: EntryView[]; readonly notification: { heldBy: string | null; nextEscalationAt: string | null } | null };
