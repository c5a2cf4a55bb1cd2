import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { IncidentState } from '../engine/model/incident.js';
import type { IncidentQuery } from '../engine/model/incident-query.js';
import { callerOf } from './auth.js';
import type { ApiContext } from './context.js';
import { ApiErrors } from './errors.js';
import { parseInstant } from './times.js';
import { emptyBodyAsObject, instantSchema } from './validation.js';
import { entryView, incidentView, notificationView } from './views.js';

/** Most incidents one page may hold. */
export const MAX_INCIDENT_PAGE = 1000;

const idSchema = { type: 'string', minLength: 1, maxLength: 128 } as const;

const listSchema = {
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      status: { type: 'string', enum: ['firing', 'acknowledged', 'resolved'] },
      rule: { type: 'string', minLength: 1, maxLength: 256 },
      since: instantSchema,
      until: instantSchema,
      limit: { type: 'integer', minimum: 1, maximum: MAX_INCIDENT_PAGE, default: 100 },
      before: idSchema,
    },
  },
} as const;

const idParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: idSchema },
} as const;

const who = { type: 'string', minLength: 1, maxLength: 256 } as const;
const words = { type: 'string', maxLength: 10_000 } as const;

/** Ack and resolve: optionally who and why (`reason`, or `text` as in a comment). */
const actionBody = {
  type: 'object',
  additionalProperties: false,
  properties: { by: who, reason: words, text: words },
} as const;

/** A comment needs its text. */
const commentBody = {
  type: 'object',
  additionalProperties: false,
  required: ['text'],
  properties: { by: who, text: { ...words, minLength: 1 } },
} as const;

interface ListQuery {
  status?: IncidentState;
  rule?: string;
  since?: string;
  until?: string;
  limit: number;
  before?: string;
}

interface ActionRoute {
  Params: { id: string };
  Body: { by?: string; reason?: string; text?: string };
}

/**
 * Incidents: the list (filters, newest first, paged with `before` and the `next` cursor),
 * one incident with its whole timeline and notification state, and the human actions
 * ack / resolve / comment, each journaled through `ctx.submit` with who and why.
 */
export const incidentRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (api, { ctx }) => {
  const q = ctx.queries;

  api.get<{ Querystring: ListQuery }>('/v1/incidents', { schema: listSchema }, async (request) => {
    const params = request.query;
    if (params.before !== undefined && q.incident(params.before) === undefined) {
      throw new ApiErrors.BadRequest(`querystring.before: unknown incident "${params.before}"`);
    }
    const query: IncidentQuery = {
      status: params.status,
      rule: params.rule,
      since: params.since === undefined ? undefined : parseInstant(params.since),
      until: params.until === undefined ? undefined : parseInstant(params.until),
      limit: params.limit,
      before: params.before,
    };
    const page = q.incidents(query);
    const last = page[page.length - 1];
    // A full page has a next one only if something older still matches.
    const more = last !== undefined && page.length === params.limit && q.incidents({ ...query, before: last.id, limit: 1 }).length > 0;
    const views = page.map(incidentView);
    // Incidents memory no longer holds come from the history store, after the ones it does.
    if (ctx.history !== undefined && !more && params.before === undefined && page.length < params.limit) {
      const stored = await ctx.history.incidents({ status: query.status, rule: query.rule, since: query.since, until: query.until, limit: params.limit });
      for (const inc of stored) {
        if (views.length >= params.limit) break;
        if (q.incident(inc.id) === undefined) views.push(incidentView({ ...inc, fingerprint: '', alertFiring: false, entries: [] }));
      }
    }
    return { incidents: views, next: more ? last.id : null };
  });

  api.get<{ Params: { id: string } }>('/v1/incidents/:id', { schema: { params: idParams } }, async (request) => {
    const incident = q.incident(request.params.id);
    if (incident === undefined) throw new ApiErrors.NoIncident(request.params.id);
    const state = q.notifyState(incident.id);
    return {
      ...incidentView(incident),
      timeline: q.incidentTimeline(incident).map(entryView),
      notification: state === undefined ? null : notificationView(state, q.pendingNotifications().filter((item) => item.incident.id === incident.id)),
    };
  });

  const act = (t: 'ack' | 'resolve' | 'comment') => async (request: FastifyRequest<ActionRoute>) => {
    const id = request.params.id;
    const incident = q.incident(id);
    // Refused actions are answered here, before anything is journaled.
    if (incident === undefined) throw new ApiErrors.NoIncident(id);
    if (t !== 'comment' && incident.state === 'resolved') throw new ApiErrors.AlreadyResolved(id);
    const body = request.body;
    const by = body.by ?? callerOf(request).name;
    const text = (t === 'comment' ? body.text : (body.reason ?? body.text)) ?? '';
    const result = ctx.submit({ t, id, by, text });
    if (!result.ok) throw result.error === 'not_found' ? new ApiErrors.NoIncident(id) : new ApiErrors.AlreadyResolved(id);
    return incidentView(result.incident);
  };

  const action = (name: 'ack' | 'resolve' | 'comment', body: object) => ({
    schema: { params: idParams, body },
    preValidation: emptyBodyAsObject,
    config: { audit: { action: name, target: 'id' } },
  });
  api.post<ActionRoute>('/v1/incidents/:id/ack', action('ack', actionBody), act('ack'));
  api.post<ActionRoute>('/v1/incidents/:id/resolve', action('resolve', actionBody), act('resolve'));
  api.post<ActionRoute>('/v1/incidents/:id/comment', action('comment', commentBody), act('comment'));
};
