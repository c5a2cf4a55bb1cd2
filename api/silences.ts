import type { FastifyInstance } from 'fastify';
import { checkMatchers, silenceMatches, type Matcher, type Silence } from '../engine/silences.js';
import { callerOf } from './auth.js';
import type { ApiContext } from './context.js';
import { parseIsoTime } from './times.js';
import { isoTimeSchema } from './validation.js';
import { silenceStatus, silenceView, type SilenceStatus } from './views.js';

const matcherSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'value'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 256 },
    value: { type: 'string', maxLength: 1024 },
    isRegex: { type: 'boolean', default: false },
    isEqual: { type: 'boolean', default: true },
  },
} as const;

/** An Alertmanager-like silence as posted. */
const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['matchers', 'endsAt', 'comment'],
  properties: {
    matchers: { type: 'array', minItems: 1, maxItems: 64, items: matcherSchema },
    startsAt: isoTimeSchema,
    endsAt: isoTimeSchema,
    createdBy: { type: 'string', minLength: 1, maxLength: 256 },
    comment: { type: 'string', minLength: 1, maxLength: 10_000 },
  },
} as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { status: { type: 'string', enum: ['active', 'pending', 'expired'] } },
} as const;

const idParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

interface CreateBody {
  matchers: Matcher[];
  startsAt?: string;
  endsAt: string;
  createdBy?: string;
  comment: string;
}

/**
 * Ad-hoc silences beside the `maintenance` windows kept in git: list them with their status
 * (`pending`, `active`, `expired`), create one (Alertmanager's shape), or delete one, which
 * expires it at once. Changes go through `ctx.submit`, so they are journaled.
 */
export function registerSilences(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: { status?: SilenceStatus } }>('/v1/silences', { schema: { querystring: listQuery } }, async (request) => {
    const now = ctx.now();
    const wanted = request.query.status;
    const silences = ctx.core.listSilences().filter((s) => wanted === undefined || silenceStatus(s, now) === wanted);
    return { silences: silences.map((s) => silenceView(s, now)) };
  });

  app.post<{ Body: CreateBody }>('/v1/silences', { schema: { body: createBody } }, async (request, reply) => {
    const body = request.body;
    const now = ctx.now();
    const problem = checkMatchers(body.matchers);
    if (problem !== undefined) return reply.code(400).send({ error: problem });
    const startsAt = body.startsAt === undefined ? now : parseIsoTime(body.startsAt)!;
    const endsAt = parseIsoTime(body.endsAt)!;
    if (endsAt <= startsAt) return reply.code(400).send({ error: 'endsAt must be after startsAt' });
    if (endsAt <= now) return reply.code(400).send({ error: 'endsAt is in the past' });
    const silence: Silence = {
      id: ctx.newId(),
      matchers: body.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual })),
      startsAt,
      endsAt,
      createdBy: body.createdBy ?? callerOf(request).name,
      comment: body.comment,
      createdAt: now,
      expiredAt: null,
    };
    // As in Alertmanager: matchers that an alert without labels satisfies would silence everything.
    if (silenceMatches(silence, {})) return reply.code(400).send({ error: 'the matchers match every alert; at least one must need a label value' });
    ctx.submit({ t: 'silence', silence });
    return silenceView(ctx.core.getSilence(silence.id) ?? silence, now);
  });

  app.delete<{ Params: { id: string } }>('/v1/silences/:id', { schema: { params: idParams } }, async (request, reply) => {
    const id = request.params.id;
    const silence = ctx.core.getSilence(id);
    if (silence === undefined) return reply.code(404).send({ error: `no silence ${id}` });
    if (silenceStatus(silence, ctx.now()) === 'expired') return reply.code(409).send({ error: `silence ${id} has already expired` });
    ctx.submit({ t: 'unsilence', id });
    return silenceView(ctx.core.getSilence(id) ?? silence, ctx.now());
  });
}
