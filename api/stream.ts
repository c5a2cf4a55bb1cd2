import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from './context.js';
import { ApiErrors } from './errors.js';
import { TimelineStream } from './event-stream.js';
import { entryView } from './views.js';

/** Default interval of the stream's keep-alive comment. */
export const HEARTBEAT_MS = 15_000;

/** Default most event streams open at once, over all clients. */
export const MAX_STREAMS = 256;

/** Default most event streams one client address may hold open. */
export const MAX_STREAMS_PER_CLIENT = 16;

/** Options of the stream route. */
export interface StreamOptions {
  readonly ctx: ApiContext;
  /** Interval of the keep-alive comment (default `HEARTBEAT_MS`; tests shorten it). */
  readonly heartbeatMs?: number;
  /** Most streams open at once (`http.maxStreams`); past it 503. */
  readonly maxStreams?: number;
  /** Most streams per client address (`http.maxStreamsPerClient`); past it 429. */
  readonly maxStreamsPerClient?: number;
  /** Told each time a limit refuses a stream (`streams` or `streams_per_client`). */
  readonly onRefused?: (limit: 'streams' | 'streams_per_client') => void;
}

const streamSchema = {
  headers: {
    type: 'object',
    properties: { 'last-event-id': { type: 'string', pattern: '^[0-9]{1,15}$' } },
  },
} as const;

/**
 * `GET /v1/stream`: timeline entries as server-sent events as they happen, replaying those
 * after `Last-Event-ID` first. Streams are capped in all and per client address, since each
 * holds a socket and a subscription; open streams end when the app closes.
 */
export const streamRoutes: FastifyPluginAsync<StreamOptions> = async (api, options) => {
  const q = options.ctx.queries;
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const maxStreams = options.maxStreams ?? MAX_STREAMS;
  const perClient = options.maxStreamsPerClient ?? MAX_STREAMS_PER_CLIENT;
  const streams = new Set<TimelineStream>();
  const byClient = new Map<string, number>();
  const source = { entries: (query: { after: number; limit: number }) => q.timeline(query), onTimeline: q.onTimeline };

  // No HEAD twin: a HEAD request would open a stream that can never carry anything.
  api.get<{ Headers: { 'last-event-id'?: string } }>('/v1/stream', { schema: streamSchema, exposeHeadRoute: false }, (request, reply) => {
    const client = request.ip;
    if (streams.size >= maxStreams) {
      options.onRefused?.('streams');
      throw new ApiErrors.TooManyStreams(maxStreams);
    }
    const held = byClient.get(client) ?? 0;
    if (held >= perClient) {
      options.onRefused?.('streams_per_client');
      throw new ApiErrors.TooManyClientStreams(perClient);
    }
    const last = request.headers['last-event-id'];
    reply.hijack();
    byClient.set(client, held + 1);
    const stream = new TimelineStream({
      book: source,
      response: reply.raw,
      after: last === undefined ? undefined : Number(last),
      heartbeatMs,
      view: entryView,
      onClose: (closed) => {
        streams.delete(closed);
        const n = (byClient.get(client) ?? 1) - 1;
        if (n <= 0) byClient.delete(client);
        else byClient.set(client, n);
      },
    });
    if (!stream.isClosed) streams.add(stream);
  });

  // Streams never end by themselves; without this, closing the server would wait for every client.
  api.addHook('preClose', async () => {
    for (const stream of [...streams]) stream.close();
  });
};
