import type { FastifyInstance } from 'fastify';
import type { Event } from '../engine/model/event.js';
import { ErrorCode, VigilError } from '../engine/model/errors.js';
import type { HttpRoutes, Rejection, Source, SourceContext } from '../engine/model/source.js';
import { createEventValidator } from './event-validator.js';

export type { Rejection } from '../engine/model/source.js';

/** What `createHttpIntake` takes: how many events one request may carry. */
export interface HttpIntakeOptions {
  /** Most events one request may carry; past it the request is refused with 413. */
  readonly maxBatch?: number;
}

/** Default most events per request. */
export const MAX_BATCH = 100_000;

/** The stream an incoming value names, for counting; "unknown" when it names none. */
function streamOf(value: unknown): string {
  const s = value !== null && typeof value === 'object' ? (value as { stream?: unknown }).stream : undefined;
  return typeof s === 'string' && s !== '' && s.length <= 64 ? s : 'unknown';
}

/** Splits an NDJSON body into values; a bad line becomes an error at its position. */
function parseNdjson(body: string): ({ ok: true; value: unknown } | { ok: false; error: string })[] {
  const out: ({ ok: true; value: unknown } | { ok: false; error: string })[] = [];
  for (const line of body.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push({ ok: true, value: JSON.parse(line) });
    } catch (e) {
      out.push({ ok: false, error: `not JSON: ${(e as Error).message}` });
    }
  }
  return out;
}

/**
 * The HTTP intake, a `Source`: `POST /v1/events` takes a JSON object, a JSON array or
 * NDJSON. Each event is validated on its own; the valid ones go to the intake queue and
 * every rejected one is reported with its index and reason: `{accepted, rejected:
 * [{index, error}]}`.
 * Too many events is a `TooLarge` error (413), a full queue `Busy` (429): its routes are
 * registered inside the API context, which authorizes them, parses JSON bodies and renders errors.
 */
export function createHttpIntake(options: HttpIntakeOptions = {}): Source<HttpRoutes<FastifyInstance>> {
  const maxBatch = options.maxBatch ?? MAX_BATCH;
  let started = false;
  return {
    name: 'http',
    async start(ctx) {
      ctx.http.add((app) => registerRoute(app, ctx, maxBatch));
      started = true;
    },
    async stop() {
      // The route goes away with the server, which the service closes after its sources.
      started = false;
    },
    health: () => ({ up: started }),
  };
}

function registerRoute(app: FastifyInstance, ctx: SourceContext, maxBatch: number): void {
  const validate = createEventValidator();
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  // Each event's keys are checked by the validator, which refuses just that event.
  const config = { auth: 'write', bodyTypes: ['application/json', 'application/x-ndjson'], keysCheckedPerItem: true } as const;
  app.post('/v1/events', { config }, async (request) => {
    const body = request.body;
    const items =
      typeof body === 'string'
        ? parseNdjson(body)
        : Array.isArray(body)
          ? body.map((value) => ({ ok: true as const, value }))
          : [{ ok: true as const, value: body }];
    if (items.length > maxBatch) {
      throw new VigilError(ErrorCode.TooLarge, `at most ${maxBatch} events per request`);
    }
    const now = Date.now();
    const rejected: Rejection[] = [];
    const events: Event[] = [];
    const positions: number[] = [];
    items.forEach((item, index) => {
      if (!item.ok) {
        rejected.push({ index, error: item.error });
        return;
      }
      const checked = validate(item.value, now);
      if (!checked.ok) rejected.push({ index, error: checked.error });
      else {
        events.push(checked.event);
        positions.push(index);
      }
    });
    const outcome = events.length === 0 ? [] : await ctx.submit(events);
    if (outcome === 'busy') {
      throw new VigilError(ErrorCode.Busy, 'the engine is busy; retry shortly');
    }
    for (const r of outcome) rejected.push({ index: positions[r.index]!, error: r.error });
    rejected.sort((a, b) => a.index - b.index);
    const received = new Map<string, number>();
    const refused = new Map<string, number>();
    items.forEach((item) => {
      const stream = streamOf(item.ok ? item.value : undefined);
      received.set(stream, (received.get(stream) ?? 0) + 1);
    });
    for (const r of rejected) {
      const item = items[r.index]!;
      const stream = streamOf(item.ok ? item.value : undefined);
      refused.set(stream, (refused.get(stream) ?? 0) + 1);
    }
    ctx.counted(received, refused);
    return { accepted: items.length - rejected.length, rejected };
  });
}
