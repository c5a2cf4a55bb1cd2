import type { FastifyInstance } from 'fastify';
import { ErrorCode, VigilError } from '../../engine/model/errors.js';
import type { HttpRoutes, Source, SourceContext } from '../../engine/model/source.js';
import { decodeWriteRequest, WriteRequestError } from './write-request.js';

/** What `createRemoteWriteSource` takes. */
export interface RemoteWriteOptions {
  /** Most bytes one body may decompress to; past it the body is refused (default 32 MiB). */
  readonly maxDecodedBytes?: number;
}

/** Default bound on a decompressed remote-write body. */
export const MAX_DECODED_BYTES = 32 * 1024 * 1024;

/** How many refused samples a 400 answer names before it only counts them. */
const NAMED_REFUSALS = 5;

/**
 * The Prometheus remote-write 1.0 receiver, a `Source`: `POST /api/v1/write` takes a
 * snappy-compressed protobuf `WriteRequest` (what Prometheus' `remote_write` sends), each
 * sample a metrics event. It answers 204 once the events are journaled; 429 (with
 * Retry-After) when the intake queue is full, having taken nothing, so Prometheus retries
 * the batch and nothing it was told was taken is lost; 400 for a body that does not decode
 * or for refused samples (the others are taken), which Prometheus does not retry.
 */
export function createRemoteWriteSource(options: RemoteWriteOptions = {}): Source<HttpRoutes<FastifyInstance>> {
  const maxBytes = options.maxDecodedBytes ?? MAX_DECODED_BYTES;
  let started = false;
  return {
    name: 'remote-write',
    async start(ctx) {
      ctx.http.add((app) => registerRoute(app, ctx, maxBytes));
      started = true;
    },
    async stop() {
      started = false;
    },
    health: () => ({ up: started }),
  };
}

function registerRoute(app: FastifyInstance, ctx: SourceContext, maxBytes: number): void {
  app.addContentTypeParser('application/x-protobuf', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const config = { auth: 'write', bodyTypes: ['application/x-protobuf'] } as const;
  app.post('/api/v1/write', { config }, async (request, reply) => {
    const refuse = (n: number): void => ctx.counted(new Map([['metrics', n]]), new Map([['metrics', n]]));
    const encoding = String(request.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (encoding !== 'snappy') {
      refuse(1);
      throw new VigilError(ErrorCode.BadEvent, `remote write: Content-Encoding must be snappy, not ${JSON.stringify(encoding.slice(0, 40))}`);
    }
    const body = request.body;
    if (!(body instanceof Uint8Array)) {
      refuse(1);
      throw new VigilError(ErrorCode.BadEvent, 'remote write: the body is empty');
    }
    let decoded;
    try {
      decoded = decodeWriteRequest(body, maxBytes);
    } catch (e) {
      if (!(e instanceof WriteRequestError)) throw e;
      // A body that cannot be read counts as one refused event: its samples are unknown.
      refuse(1);
      throw new VigilError(ErrorCode.BadEvent, `remote write: ${e.message}`);
    }
    const outcome = decoded.events.length === 0 ? [] : await ctx.submit(decoded.events, decoded.json);
    if (outcome === 'busy') throw new VigilError(ErrorCode.Busy, 'the engine is busy; retry shortly');
    const refused = [...decoded.refused, ...outcome.map((r) => r.error)];
    const received = decoded.samples - decoded.skipped;
    ctx.counted(new Map([['metrics', received]]), new Map([['metrics', refused.length]]));
    if (refused.length > 0) {
      const named = refused.slice(0, NAMED_REFUSALS).join('; ');
      const more = refused.length > NAMED_REFUSALS ? `; and ${refused.length - NAMED_REFUSALS} more` : '';
      throw new VigilError(ErrorCode.BadEvent, `remote write: ${refused.length} of ${received} samples refused (the others were taken): ${named}${more}`);
    }
    return reply.code(204).send();
  });
}
