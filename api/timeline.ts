import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from './context.js';
import { parseInstant } from './times.js';
import { instantSchema } from './validation.js';
import { entryView } from './views.js';

/** Most entries one timeline page may hold. */
export const MAX_TIMELINE_PAGE = 10_000;

const listSchema = {
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      since: instantSchema,
      until: instantSchema,
      limit: { type: 'integer', minimum: 1, maximum: MAX_TIMELINE_PAGE, default: 500 },
      after: { type: 'integer', minimum: 0 },
    },
  },
} as const;

interface ListQuery {
  since?: string;
  until?: string;
  limit: number;
  after?: number;
}

/**
 * The timeline across incidents: `GET /v1/timeline` pages through it oldest first (`after`
 * and the `next` cursor), reading entries memory no longer holds from the history store.
 */
export const timelineRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (api, { ctx }) => {
  const q = ctx.queries;
  api.get<{ Querystring: ListQuery }>('/v1/timeline', { schema: listSchema }, async (request) => {
    const params = request.query;
    const query = {
      since: params.since === undefined ? undefined : parseInstant(params.since),
      until: params.until === undefined ? undefined : parseInstant(params.until),
      after: params.after,
    };
    let entries = q.timeline({ ...query, limit: params.limit });
    // Entries older than what memory still holds come from the history store, if any.
    const oldest = q.timeline({ limit: 1 })[0];
    if (ctx.history !== undefined && (query.after ?? 0) < (oldest?.id ?? Infinity) - 1 && (query.since === undefined || oldest === undefined || query.since < oldest.time)) {
      const older = (await ctx.history.timeline({ ...query, limit: params.limit })).filter((e) => oldest === undefined || e.id < oldest.id);
      entries = [...older, ...entries].slice(0, params.limit);
    }
    const last = entries[entries.length - 1];
    const more = last !== undefined && entries.length === params.limit && q.timeline({ ...query, after: last.id, limit: 1 }).length > 0;
    return { entries: entries.map(entryView), next: more ? last.id : null };
  });
};
