import { Ajv } from 'ajv';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ApiErrors, withDetails } from '../errors.js';
import { compileLinearRegex, linearRegexProblem, type LinearRegex } from '../../engine/linear-regex.js';
import { checkExternalAlert, type ExternalAlert } from '../../engine/external-alerts.js';
import type { Incident } from '../../engine/model/incident.js';
import type { ApiContext } from '../context.js';
import type { ApiMetrics } from '../metrics.js';
import { parseIsoTime } from '../times.js';
import { describeValidationError } from '../validation.js';
import { gettableAlert, type GettableAlert } from './am-views.js';
import { filterMatches, parseFilter } from './matchers.js';

/** Most alerts one post may carry. */
export const MAX_ALERTS_PER_POST = 10_000;

const stringMap = { type: 'object', additionalProperties: { type: 'string', maxLength: 65_536 }, maxProperties: 256 } as const;
const time = { type: 'string', maxLength: 64 } as const;

/**
 * One of Alertmanager's `postableAlerts`. Unknown properties are tolerated, as Alertmanager
 * does: Grafana's contact point sends `UpdatedAt` and `Timeout`, and what `GET
 * /api/v2/alerts` answers (`fingerprint`, `status`, `receivers`, `updatedAt`) can be posted
 * back.
 */
const alertSchema = {
  type: 'object',
  required: ['labels'],
  properties: {
    labels: stringMap,
    annotations: stringMap,
    startsAt: time,
    endsAt: time,
    generatorURL: { type: 'string', maxLength: 8192 },
  },
} as const;

const validateAlert = new Ajv({ allErrors: false, strict: true }).compile(alertSchema);

interface PostedBody {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

/**
 * Go's zero `time.Time` (0001-01-01T00:00:00Z), which Prometheus and Grafana send for a
 * time they do not know; Alertmanager reads it as unset, and so does vigil.
 */
const GO_ZERO_TIME_MS = -62_135_596_800_000;

/** One posted alert converted, or why not. */
function convert(raw: unknown, index: number): { ok: true; alert: ExternalAlert } | { ok: false; error: string } {
  if (!validateAlert(raw)) return { ok: false, error: describeValidationError(`body.${index}`, validateAlert.errors![0]!) };
  const body = raw as PostedBody;
  const times: { startsAt?: number; endsAt?: number } = {};
  for (const key of ['startsAt', 'endsAt'] as const) {
    const text = body[key];
    if (text === undefined || text === '') continue;
    const ms = parseIsoTime(text);
    if (ms === undefined) return { ok: false, error: `body.${index}.${key} must be an ISO-8601 time` };
    if (ms !== GO_ZERO_TIME_MS) times[key] = ms;
  }
  const checked = checkExternalAlert({
    labels: body.labels,
    ...(body.annotations === undefined ? {} : { annotations: body.annotations }),
    ...times,
    ...(body.generatorURL === undefined || body.generatorURL === '' ? {} : { generatorURL: body.generatorURL }),
  });
  return checked.ok ? checked : { ok: false, error: `body.${index}: ${checked.error}` };
}

const listQuery = {
  type: 'object',
  properties: {
    active: { type: 'boolean', default: true },
    silenced: { type: 'boolean', default: true },
    inhibited: { type: 'boolean', default: true },
    unprocessed: { type: 'boolean', default: true },
    receiver: { type: 'string', maxLength: 1024 },
  },
} as const;

interface ListQuery {
  active: boolean;
  silenced: boolean;
  inhibited: boolean;
  unprocessed: boolean;
  receiver?: string;
  filter?: string | string[];
}

/**
 * Alertmanager's alert routes: `POST /api/v2/alerts` (and the older `/api/v1/alerts`,
 * which Grafana's contact point may use) take posted alerts, each alert accepted or
 * refused on its own; `GET /api/v2/alerts` and `GET /api/v2/alerts/groups` list open
 * incidents (posted alerts and vigil's own) with `filter` matchers, the
 * `active`/`silenced`/`inhibited` flags and a `receiver` regex.
 */
export function registerAlertRoutes(app: FastifyInstance, ctx: ApiContext, metrics?: ApiMetrics): void {
  const post = (version: 1 | 2) => async (request: { body: unknown }, reply: FastifyReply) => {
    const body = request.body;
    if (!Array.isArray(body)) throw badRequest(version, 'body must be array', []);
    if (body.length > MAX_ALERTS_PER_POST) throw badRequest(version, `body must NOT have more than ${MAX_ALERTS_PER_POST} items`, []);
    const alerts: ExternalAlert[] = [];
    const rejected: { index: number; error: string }[] = [];
    body.forEach((raw, index) => {
      const converted = convert(raw, index);
      if (converted.ok) alerts.push(converted.alert);
      else rejected.push({ index, error: converted.error });
    });
    // As Alertmanager: the valid alerts are taken even when others are refused.
    if (alerts.length > 0) ctx.submit({ t: 'alerts', alerts });
    metrics?.eventsReceived('alerts', alerts.length);
    if (rejected.length > 0) {
      metrics?.eventsRejected('alerts', rejected.length);
      throw badRequest(version, rejected.map((r) => r.error).join('; '), rejected);
    }
    return version === 1 ? reply.send({ status: 'success' }) : reply.code(200).send();
  };
  app.post('/api/v2/alerts', { config: { auth: 'write' } }, post(2));
  app.post('/api/v1/alerts', { config: { auth: 'write' } }, post(1));

  const list = (query: ListQuery): GettableAlert[] | string => {
    const filter = parseFilter(query.filter);
    if (!filter.ok) return filter.error;
    let receiver: LinearRegex | undefined;
    if (query.receiver !== undefined && query.receiver !== '') {
      // RE2, anchored to the whole name, as Alertmanager matches it.
      const problem = linearRegexProblem({ pattern: query.receiver });
      if (problem !== undefined) return `failed to parse receiver param: ${problem}`;
      receiver = compileLinearRegex({ pattern: query.receiver, whole: true });
    }
    const now = ctx.now();
    const out: GettableAlert[] = [];
    const open: Incident[] = ctx.queries.openIncidents();
    for (const incident of open) {
      const alert = gettableAlert(ctx.queries, incident, now);
      if (!filterMatches(filter.matchers, alert.labels)) continue;
      if (receiver !== undefined && !alert.receivers.some((r) => receiver!.test(r.name))) continue;
      if (!query.active && alert.status.state === 'active') continue;
      if (!query.silenced && alert.status.silencedBy.length > 0) continue;
      if (!query.inhibited && alert.status.inhibitedBy.length > 0) continue;
      out.push(alert);
    }
    return out.sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
  };

  app.get<{ Querystring: ListQuery }>('/api/v2/alerts', { schema: { querystring: listQuery }, config: { auth: 'read' } }, async (request) => {
    const alerts = list(request.query);
    if (typeof alerts === 'string') throw new ApiErrors.BadMatcher(alerts);
    return alerts;
  });

  app.get<{ Querystring: ListQuery }>('/api/v2/alerts/groups', { schema: { querystring: listQuery }, config: { auth: 'read' } }, async (request) => {
    const alerts = list(request.query);
    if (typeof alerts === 'string') throw new ApiErrors.BadMatcher(alerts);
    // vigil groups by channel only (no `group_by`): one group per receiver, with no labels.
    const groups = new Map<string, GettableAlert[]>();
    for (const alert of alerts) {
      for (const r of alert.receivers) groups.set(r.name, [...(groups.get(r.name) ?? []), alert]);
    }
    return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, members]) => ({ alerts: members, labels: {}, receiver: { name } }));
  });
}

/** The 400 of a post: the refused alerts by index; for v1 also Alertmanager v1's `status` and `errorType`. */
function badRequest(version: 1 | 2, error: string, rejected: readonly { index: number; error: string }[]): Error {
  return withDetails(new ApiErrors.AlertsRejected(error), version === 1 ? { status: 'error', errorType: 'bad_data', rejected } : { rejected });
}
