import type { FastifyPluginAsync } from 'fastify';
import { checkMatchers, silenceMatches, type Matcher, type Silence } from '../engine/silences.js';
import { alertmanagerLabels } from '../engine/alertmanager-labels.js';
import { callerOf } from './auth.js';
import type { ApiContext } from './context.js';
import { ApiErrors } from './errors.js';
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
    /** Channels told when the silence ends while alerts it matches still fire. */
    notify: { type: 'array', maxItems: 16, items: { type: 'string', minLength: 1, maxLength: 256 } },
  },
} as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['active', 'pending', 'expired'] },
    /** Only silences not yet over that match no firing alert: candidates for deletion. */
    unused: { type: 'boolean' },
  },
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
  notify?: string[];
}

/**
 * Ad-hoc silences beside the `maintenance` windows kept in git: list them with their status
 * (`pending`, `active`, `expired`), create one (Alertmanager's shape), or delete one, which
 * expires it at once. Changes go through `ctx.submit`, so they are journaled.
 */
export const silenceRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (api, { ctx }) => {
  api.get<{ Querystring: { status?: SilenceStatus; unused?: boolean } }>('/v1/silences', { schema: { querystring: listQuery } }, async (request) => {
    const now = ctx.now();
    const wanted = request.query.status;
    let silences = ctx.queries.silences().filter((s) => wanted === undefined || silenceStatus(s, now) === wanted);
    if (request.query.unused === true) {
      const firing = ctx.queries.openIncidents().filter((i) => i.alertFiring).map((i) => alertmanagerLabels(i));
      silences = silences.filter((s) => silenceStatus(s, now) !== 'expired' && !firing.some((labels) => silenceMatches(s, labels)));
    }
    return { silences: silences.map((s) => silenceView(s, now)) };
  });

  api.post<{ Body: CreateBody }>('/v1/silences', { schema: { body: createBody }, config: { audit: { action: 'silence' } } }, async (request) => {
    const body = request.body;
    const now = ctx.now();
    const problem = checkMatchers(body.matchers);
    if (problem !== undefined) throw new ApiErrors.BadRequest(problem);
    const startsAt = body.startsAt === undefined ? now : parseIsoTime(body.startsAt)!;
    const endsAt = parseIsoTime(body.endsAt)!;
    if (endsAt <= startsAt) throw new ApiErrors.BadRequest('endsAt must be after startsAt');
    if (endsAt <= now) throw new ApiErrors.BadRequest('endsAt is in the past');
    const silence: Silence = {
      id: ctx.newId(),
      matchers: body.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual })),
      startsAt,
      endsAt,
      createdBy: body.createdBy ?? callerOf(request).name,
      comment: body.comment,
      createdAt: now,
      expiredAt: null,
      ...(body.notify === undefined || body.notify.length === 0 ? {} : { notify: [...new Set(body.notify)] }),
    };
    const channels = ctx.queries.policies().channels;
    for (const channel of silence.notify ?? []) if (!channels.has(channel)) throw new ApiErrors.BadRequest(`notify: unknown channel "${channel}"`);
    // As in Alertmanager: matchers that an alert without labels satisfies would silence everything.
    if (silenceMatches(silence, {})) throw new ApiErrors.BadRequest('the matchers match every alert; at least one must need a label value');
    ctx.submit({ t: 'silence', silence });
    return silenceView(ctx.queries.silence(silence.id) ?? silence, now);
  });

  api.delete<{ Params: { id: string } }>('/v1/silences/:id', { schema: { params: idParams }, config: { audit: { action: 'unsilence', target: 'id' } } }, async (request) => {
    const id = request.params.id;
    const silence = ctx.queries.silence(id);
    if (silence === undefined) throw new ApiErrors.NoSilence(id);
    if (silenceStatus(silence, ctx.now()) === 'expired') throw new ApiErrors.SilenceExpired(id);
    ctx.submit({ t: 'unsilence', id });
    return silenceView(ctx.queries.silence(id) ?? silence, ctx.now());
  });
};
