import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncidentState } from '../engine/model/incident.js';
import type { IncidentQuery } from '../engine/model/incident-query.js';
import { callerOf } from './auth.js';
import type { ApiContext } from './context.js';
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
export function registerIncidents(app: FastifyInstance, ctx: ApiContext): void {
  const book = ctx.core.book;

  app.get<{ Querystring: ListQuery }>('/v1/incidents', { schema: listSchema }, async (request, reply) => {
    const q = request.query;
    if (q.before !== undefined && book.get(q.before) === undefined) {
      return reply.code(400).send({ error: `querystring.before: unknown incident "${q.before}"` });
    }
    const query: IncidentQuery = {
      status: q.status,
      rule: q.rule,
      since: q.since === undefined ? undefined : parseInstant(q.since),
      until: q.until === undefined ? undefined : parseInstant(q.until),
      limit: q.limit,
      before: q.before,
    };
    const page = book.list(query);
    const last = page[page.length - 1];
    // A full page has a next one only if something older still matches.
    const more = last !== undefined && page.length === q.limit && book.list({ ...query, before: last.id, limit: 1 }).length > 0;
    const views = page.map(incidentView);
    // Incidents memory no longer holds come from the history store, after the ones it does.
    if (ctx.history !== undefined && !more && q.before === undefined && page.length < q.limit) {
      const stored = await ctx.history.incidents({ status: query.status, rule: query.rule, since: query.since, until: query.until, limit: q.limit });
      for (const inc of stored) {
        if (views.length >= q.limit) break;
        if (book.get(inc.id) === undefined) views.push(incidentView({ ...inc, fingerprint: '', alertFiring: false, entries: [] }));
      }
    }
    return { incidents: views, next: more ? last.id : null };
  });

  app.get<{ Params: { id: string } }>('/v1/incidents/:id', { schema: { params: idParams } }, async (request, reply) => {
    const incident = book.get(request.params.id);
    if (incident === undefined) return reply.code(404).send({ error: `no incident ${request.params.id}` });
    const state = ctx.core.notifier.stateOf(incident.id);
    const queued = state === undefined ? [] : ctx.core.notifier.outbox.due(Infinity).filter((item) => item.incident.id === incident.id);
    return {
      ...incidentView(incident),
      timeline: book.entriesOf(incident).map(entryView),
      notification: state === undefined ? null : notificationView(state, queued),
    };
  });

  const act = (t: 'ack' | 'resolve' | 'comment') => async (request: FastifyRequest<ActionRoute>, reply: FastifyReply) => {
    const id = request.params.id;
    const incident = book.get(id);
    // Refused actions are answered here, before anything is journaled.
    if (incident === undefined) return reply.code(404).send({ error: `no incident ${id}` });
    if (t !== 'comment' && incident.state === 'resolved') return reply.code(409).send({ error: `incident ${id} is already resolved` });
    const body = request.body;
    const by = body.by ?? callerOf(request).name;
    const text = (t === 'comment' ? body.text : (body.reason ?? body.text)) ?? '';
    const result = ctx.submit({ t, id, by, text });
    if (result !== undefined && !result.ok) {
      return result.error === 'not_found' ? reply.code(404).send({ error: `no incident ${id}` }) : reply.code(409).send({ error: `incident ${id} is already resolved` });
    }
    return incidentView(book.get(id) ?? incident);
  };

  const action = { schema: { params: idParams, body: actionBody }, preValidation: emptyBodyAsObject };
  app.post<ActionRoute>('/v1/incidents/:id/ack', action, act('ack'));
  app.post<ActionRoute>('/v1/incidents/:id/resolve', action, act('resolve'));
  app.post<ActionRoute>('/v1/incidents/:id/comment', { schema: { params: idParams, body: commentBody }, preValidation: emptyBodyAsObject }, act('comment'));
}
