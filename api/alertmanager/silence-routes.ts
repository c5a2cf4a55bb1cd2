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
 * Whether `prev` can take the change in place without altering what it silenced so far
 * (Alertmanager's `canUpdate`): same matchers; an active one keeps its start (to the
 * second) and does not end in the past; a pending one does not start in the past.
 */
function canUpdate(prev: Silence, next: { matchers: readonly Matcher[]; startsAt: number; endsAt: number }, now: number): boolean {
  const same = (a: Matcher, b: Matcher) => a.name === b.name && a.value === b.value && a.isRegex === b.isRegex && (a.isEqual ?? true) === (b.isEqual ?? true);
  if (prev.matchers.length !== next.matchers.length || prev.matchers.some((m, i) => !same(m, next.matchers[i]!))) return false;
  switch (silenceStatus(prev, now)) {
    case 'active':
      return Math.floor(prev.startsAt / 1000) === Math.floor(next.startsAt / 1000) && next.endsAt >= now;
    case 'pending':
      return next.startsAt >= now;
    default:
      return false;
  }
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
    let startsAt = parseIsoTime(body.startsAt)!;
    const endsAt = parseIsoTime(body.endsAt)!;
    if (endsAt <= startsAt) throw new ApiErrors.BadRequest('end time must not be before start time');
    const existing = body.id === undefined || body.id === '' ? undefined : ctx.queries.silence(body.id);
    if (body.id !== undefined && body.id !== '' && existing === undefined) throw new ApiErrors.NoSilence(body.id);
    let id: string;
    if (existing !== undefined && canUpdate(existing, { matchers, startsAt, endsAt }, now)) {
      id = existing.id;
    } else {
      // A new silence, or one whose change would rewrite what it silenced so far: as in
      // Alertmanager, the old one (if still in force) expires and a new one is made, and a
      // new silence that starts in the past starts now.
      id = ctx.newId();
      startsAt = Math.max(now, startsAt);
      if (endsAt <= startsAt) throw new ApiErrors.BadRequest('end time must not be before start time');
      if (existing !== undefined && silenceStatus(existing, now) !== 'expired') ctx.submit({ t: 'unsilence', id: existing.id });
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
