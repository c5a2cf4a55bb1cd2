import type { FastifyInstance } from 'fastify';
import type { ApiContext } from './context.js';
import { TimelineStream } from './event-stream.js';
import { parseInstant } from './times.js';
import { instantSchema } from './validation.js';
import { entryView } from './views.js';

/** Default interval of the stream's keep-alive comment. */
export const HEARTBEAT_MS = 15_000;

/** Most entries one timeline page may hold. */
export const MAX_TIMELINE_PAGE = 10_000;

/** Options of the timeline routes (tests shorten the heartbeat). */
export interface TimelineOptions {
  /** Interval of the stream's keep-alive comment (default `HEARTBEAT_MS`). */
  readonly heartbeatMs?: number;
}

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

const streamSchema = {
  headers: {
    type: 'object',
    properties: { 'last-event-id': { type: 'string', pattern: '^[0-9]{1,15}$' } },
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
 * and the `next` cursor), and `GET /v1/stream` sends entries as server-sent events as they
 * happen, replaying those after `Last-Event-ID` first. Open streams end when the app closes.
 */
export function registerTimeline(app: FastifyInstance, ctx: ApiContext, options: TimelineOptions = {}): void {
  const book = ctx.core.book;
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const streams = new Set<TimelineStream>();

  app.get<{ Querystring: ListQuery }>('/v1/timeline', { schema: listSchema }, async (request) => {
    const q = request.query;
    const query = {
      since: q.since === undefined ? undefined : parseInstant(q.since),
      until: q.until === undefined ? undefined : parseInstant(q.until),
      after: q.after,
    };
    let entries = book.entries({ ...query, limit: q.limit });
    // Entries older than what memory still holds come from the history store, if any.
    const oldest = book.entries({ limit: 1 })[0];
    if (ctx.history !== undefined && (query.after ?? 0) < (oldest?.id ?? Infinity) - 1 && (query.since === undefined || oldest === undefined || query.since < oldest.time)) {
      const older = (await ctx.history.timeline({ ...query, limit: q.limit })).filter((e) => oldest === undefined || e.id < oldest.id);
      entries = [...older, ...entries].slice(0, q.limit);
    }
    const last = entries[entries.length - 1];
    const more = last !== undefined && entries.length === q.limit && book.entries({ ...query, after: last.id, limit: 1 }).length > 0;
    return { entries: entries.map(entryView), next: more ? last.id : null };
  });

  // No HEAD twin: a HEAD request would open a stream that can never carry anything.
  app.get<{ Headers: { 'last-event-id'?: string } }>('/v1/stream', { schema: streamSchema, exposeHeadRoute: false }, (request, reply) => {
    const last = request.headers['last-event-id'];
    reply.hijack();
    const stream = new TimelineStream({
      book,
      response: reply.raw,
      after: last === undefined ? undefined : Number(last),
      heartbeatMs,
      view: entryView,
      onClose: (closed) => streams.delete(closed),
    });
    if (!stream.isClosed) streams.add(stream);
  });

  // Streams never end by themselves; without this, closing the server would wait for every client.
  app.addHook('preClose', async () => {
    for (const stream of [...streams]) stream.close();
  });
}
