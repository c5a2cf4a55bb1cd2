import type { FastifyPluginAsync } from 'fastify';
import type { Incident } from '../engine/model/incident.js';
import type { ApiContext } from './context.js';
import { ApiErrors } from './errors.js';

/** One service on the public status page: a name people know, and the rules whose incidents say it is unwell. */
export interface StatusService {
  readonly name: string;
  /** Rules whose open incidents count against this service. */
  readonly rules: readonly string[];
  /** Label values an incident must carry as well to count (e.g. `{service: minitwit}`); empty: any. */
  readonly match: Readonly<Record<string, string>>;
}

/** A group of services shown together (e.g. "Web", "API"). */
export interface StatusGroup {
  readonly name: string;
  readonly services: readonly StatusService[];
}

/** What the public status page shows (`statusPage:` in vigil.yaml); no groups: no page. */
export interface StatusPageOptions {
  readonly title: string;
  readonly groups: readonly StatusGroup[];
}

/** How a service stands: down while a critical incident is open, degraded while another one is. */
export type ServiceStatus = 'up' | 'degraded' | 'down';

/** Days of history bars per service. */
export const STATUS_HISTORY_DAYS = 90;

const DAY_MS = 86_400_000;
const RANK: Readonly<Record<ServiceStatus, number>> = { up: 0, degraded: 1, down: 2 };

function statusOf(incident: Pick<Incident, 'severity'>): ServiceStatus {
  return incident.severity === 'critical' ? 'down' : 'degraded';
}

function counts(service: StatusService, incident: Incident): boolean {
  if (!service.rules.includes(incident.rule)) return false;
  for (const [name, value] of Object.entries(service.match)) if (incident.labels[name] !== value) return false;
  return true;
}

/**
 * The status of each configured service, now and per day for the last 90 days (the worst
 * state any of its incidents had that day), computed from the incidents the service holds.
 * Only the names written in the configuration are shown: no rule names, labels, summaries
 * or values, so nothing internal leaks to the public page.
 */
export function statusPageView(options: StatusPageOptions, incidents: readonly Incident[], now: number) {
  const today = Math.floor(now / DAY_MS);
  const firstDay = today - STATUS_HISTORY_DAYS + 1;
  return {
    title: options.title,
    updatedAt: new Date(now).toISOString(),
    groups: options.groups.map((group) => ({
      name: group.name,
      services: group.services.map((service) => {
        const days: ServiceStatus[] = Array.from({ length: STATUS_HISTORY_DAYS }, () => 'up');
        let current: ServiceStatus = 'up';
        for (const incident of incidents) {
          if (!counts(service, incident)) continue;
          const s = statusOf(incident);
          if (incident.state !== 'resolved' && RANK[s] > RANK[current]) current = s;
          const from = Math.max(firstDay, Math.floor(incident.openedAt / DAY_MS));
          const to = Math.min(today, Math.floor((incident.resolvedAt ?? now) / DAY_MS));
          for (let d = from; d <= to; d++) if (RANK[s] > RANK[days[d - firstDay]!]) days[d - firstDay] = s;
        }
        return { name: service.name, status: current, days: days.map((status, i) => ({ day: new Date((firstDay + i) * DAY_MS).toISOString().slice(0, 10), status })) };
      }),
    })),
  };
}

/** Most incidents read for the status page's history: the in-memory book's newest ones. */
const HISTORY_PAGES = 20;

/**
 * `GET /v1/status-page`: the public status page's data, open without a token; 404 when no
 * `statusPage` groups are configured. The page itself is the console's `/status`.
 */
export const statusPageRoutes: FastifyPluginAsync<{ ctx: ApiContext; statusPage: StatusPageOptions | undefined }> = async (api, { ctx, statusPage }) => {
  api.get('/v1/status-page', { config: { auth: 'none' } }, async () => {
    if (statusPage === undefined || statusPage.groups.length === 0) throw new ApiErrors.NoStatusPage();
    const now = ctx.now();
    const since = now - STATUS_HISTORY_DAYS * DAY_MS;
    const incidents: Incident[] = [];
    let before: string | undefined;
    for (let page = 0; page < HISTORY_PAGES; page++) {
      const got = ctx.queries.incidents({ since, limit: 1000, before });
      incidents.push(...got);
      if (got.length < 1000) break;
      before = got[got.length - 1]!.id;
    }
    return statusPageView(statusPage, incidents, now);
  });
};
