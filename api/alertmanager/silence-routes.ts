import type { FastifyInstance } from 'fastify';
import { validLabelName } from '../../engine/external-alerts.js';
import { checkMatchers, silenceMatches, type Matcher, type Silence } from '../../engine/silences.js';
import { callerOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { ApiErrors } from '../errors.js';
import { parseIsoTime } from '../times.js';
import { isoTimeSchema } from '../validation.js';
import { silenceStatus } from '../views.js';
import { gettableSilence } from './am-views.js';
import { filterMatches, parseFilter } from './matchers.js';

/** Alertmanager's `postableSilence`; unknown properties tolerated, as Alertmanager does. */
const postBody = {
  type: 'object',
  required: ['matchers', 'startsAt', 'endsAt', 'createdBy', 'comment'],
  properties: {
    id: { type: 'string', maxLength: 128 },
    matchers: {
      type: 'array',
      minItems: 1,
      maxItems: 64,
      items: {
        type: 'object',
        required: ['name', 'value', 'isRegex'],
        properties: {
          name: { type: 'string', maxLength: 256 },
          value: { type: 'string', maxLength: 1024 },
          isRegex: { type: 'boolean' },
          isEqual: { type: 'boolean', default: true },
        },
      },
    },
    startsAt: isoTimeSchema,
    endsAt: isoTimeSchema,
    createdBy: { type: 'string', maxLength: 256 },
    comment: { type: 'string', maxLength: 10_000 },
  },
} as const;

interface PostBody {
  id?: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

/** Alertmanager's order: active (soonest end first), then pending (soonest start), then expired (latest end first). */
function order(now: number) {
  const rank = { active: 0, pending: 1, expired: 2 } as const;
  return (a: Silence, b: Silence): number => {
    const sa = silenceStatus(a, now);
    const sb = silenceStatus(b, now);
    if (sa !== sb) return rank[sa] - rank[sb];
    if (sa === 'active') return a.endsAt - b.endsAt;
    if (sa === 'pending') return a.startsAt - b.startsAt;
    return (b.expiredAt ?? b.endsAt) - (a.expiredAt ?? a.endsAt);
  };
}

/**
 * Alertmanager's silence routes over vigil's one set of silences (the same ones as
 * `/v1/silences`, applied to posted alerts and vigil's own alike): list with `filter`,
 * create or update (`id`), read one, and expire one (`DELETE /api/v2/silence/{id}`).
 */
export function registerSilenceRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: { filter?: string | string[] } }>('/api/v2/silences', { config: { auth: 'read' } }, async (request) => {
    const filter = parseFilter(request.query.filter);
    if (!filter.ok) throw new ApiErrors.BadMatcher(filter.error);
    const now = ctx.now();
    const silences = ctx.queries
      .silences()
      .filter((s) => filterMatches(filter.matchers, Object.fromEntries(s.matchers.map((m) => [m.name, m.value]))))
      .sort(order(now));
    return silences.map((s) => gettableSilence(s, now));
  });

  app.post<{ Body: PostBody }>('/api/v2/silences', { schema: { body: postBody }, config: { auth: 'write', audit: { action: 'silence', target: 'id' } } }, async (request) => {
    const body = request.body;
    const now = ctx.now();
    const matchers = body.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual }));
    const bad = matchers.find((m) => !validLabelName(m.name));
    if (bad !== undefined) throw new ApiErrors.BadRequest(`invalid label name "${bad.name}"`);
    const problem = checkMatchers(matchers);
    if (problem !== undefined) throw new ApiErrors.BadRequest(problem);
    // As Alertmanager: a silence that starts in the past starts now.
    const startsAt = Math.max(now, parseIsoTime(body.startsAt)!);
    const endsAt = parseIsoTime(body.endsAt)!;
    if (endsAt <= startsAt) throw new ApiErrors.BadRequest('end time must not be before start time');
    let id = ctx.newId();
    if (body.id !== undefined && body.id !== '') {
      const existing = ctx.queries.silence(body.id);
      if (existing === undefined) throw new ApiErrors.NoSilence(body.id);
      // An expired silence cannot change: the update is a new silence, as in Alertmanager.
      if (silenceStatus(existing, now) !== 'expired') id = existing.id;
    }
    const silence: Silence = {
      id,
      matchers,
      startsAt,
      endsAt,
      createdBy: body.createdBy === '' ? callerOf(request).name : body.createdBy,
      comment: body.comment,
      createdAt: now,
      expiredAt: null,
    };
    if (silenceMatches(silence, {})) throw new ApiErrors.BadRequest('at least one matcher must not match the empty string');
    ctx.submit({ t: 'silence', silence });
    return { silenceID: id };
  });

  app.get<{ Params: { id: string } }>('/api/v2/silence/:id', { schema: { params: idParams }, config: { auth: 'read' } }, async (request) => {
    const silence = ctx.queries.silence(request.params.id);
    if (silence === undefined) throw new ApiErrors.NoSilence(request.params.id);
    return gettableSilence(silence, ctx.now());
  });

  app.delete<{ Params: { id: string } }>('/api/v2/silence/:id', { schema: { params: idParams }, config: { auth: 'write', audit: { action: 'unsilence', target: 'id' } } }, async (request, reply) => {
    const id = request.params.id;
    const silence = ctx.queries.silence(id);
    if (silence === undefined) throw new ApiErrors.NoSilence(id);
    if (silenceStatus(silence, ctx.now()) === 'expired') throw new ApiErrors.SilenceExpired(id);
    ctx.submit({ t: 'unsilence', id });
    return reply.send();
  });
}
