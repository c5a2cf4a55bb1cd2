import { gunzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type protobuf from 'protobufjs';
import type { Event } from '../../engine/model/event.js';
import { ErrorCode, VigilError } from '../../engine/model/errors.js';
import type { HttpRoutes, Source, SourceContext } from '../../engine/model/source.js';
import { createEventValidator } from '../event-validator.js';
import { logsEvents } from './log-records.js';
import { metricsEvents } from './metric-points.js';
import { decodeOtlp, encodeOtlp, OtlpTypes } from './otlp-types.js';

/** What `createOtlpSource` takes. */
export interface OtlpOptions {
  /** Most bytes a gzip-compressed body may inflate to (default 32 MiB). */
  readonly maxDecodedBytes?: number;
}

/** Default bound on an inflated OTLP body. */
export const MAX_OTLP_DECODED_BYTES = 32 * 1024 * 1024;

/** How many refusal reasons a partial-success `errorMessage` names before it only counts them. */
const NAMED_REFUSALS = 5;

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

/** One signal's route: its path, stream, message types and how a request becomes events. */
interface Signal {
  readonly path: string;
  readonly stream: string;
  readonly request: protobuf.Type;
  readonly response: protobuf.Type;
  /** The partial-success field counting what was refused (`rejectedLogRecords`). */
  readonly rejectedField: string;
  readonly convert: (request: unknown, now: number) => { events: Event[]; items: number; refused: string[] };
}

/**
 * The OTLP/HTTP receiver (OTLP 1.x), a `Source`: `POST /v1/logs` and `POST /v1/metrics`
 * take `ExportLogsServiceRequest` and `ExportMetricsServiceRequest` as binary protobuf
 * (`application/x-protobuf`) or OTLP/JSON (`application/json`, hex trace and span ids),
 * optionally gzip-compressed. Log records become logs events, gauge, sum, histogram and
 * summary points metrics events (see `logsEvents`, `metricsEvents`). The answer is the
 * export response in the request's encoding: empty when everything was taken, else with
 * `partialSuccess` counting the refused records or points and saying why. A body that
 * does not decode is a 400; a full intake queue a 429 with Retry-After, having taken
 * nothing, which OTLP exporters retry.
 */
export function createOtlpSource(options: OtlpOptions = {}): Source<HttpRoutes<FastifyInstance>> {
  const maxBytes = options.maxDecodedBytes ?? MAX_OTLP_DECODED_BYTES;
  let started = false;
  return {
    name: 'otlp',
    async start(ctx) {
      ctx.http.add((app) => registerRoutes(app, ctx, maxBytes));
      started = true;
    },
    async stop() {
      started = false;
    },
    health: () => ({ up: started }),
  };
}

function registerRoutes(app: FastifyInstance, ctx: SourceContext, maxBytes: number): void {
  // Both encodings are read as bytes here: the body may be gzip-compressed, and a body that
  // does not decode must be counted by the route, which a parser error would skip.
  app.removeContentTypeParser([JSON_TYPE]);
  app.addContentTypeParser([PROTOBUF, JSON_TYPE], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const validate = createEventValidator();
  const signals: Signal[] = [
    {
      path: '/v1/logs',
      stream: 'logs',
      request: OtlpTypes.logsRequest,
      response: OtlpTypes.logsResponse,
      rejectedField: 'rejectedLogRecords',
      convert: (request, now) => {
        const { records } = logsEvents(request, now, validate);
        const events: Event[] = [];
        const refused: string[] = [];
        for (const r of records) {
          if (r.ok) events.push(r.event);
          else refused.push(r.error);
        }
        return { events, items: records.length, refused };
      },
    },
    {
      path: '/v1/metrics',
      stream: 'metrics',
      request: OtlpTypes.metricsRequest,
      response: OtlpTypes.metricsResponse,
      rejectedField: 'rejectedDataPoints',
      convert: (request, now) => {
        const { events, points, refused } = metricsEvents(request, now);
        return { events, items: points, refused };
      },
    },
  ];
  const config = { auth: 'write', bodyTypes: [PROTOBUF, JSON_TYPE] } as const;
  for (const signal of signals) {
    app.post(signal.path, { config }, (request, reply) => handle(signal, request, reply, ctx, maxBytes));
  }
}

async function handle(signal: Signal, request: FastifyRequest, reply: FastifyReply, ctx: SourceContext, maxBytes: number): Promise<FastifyReply> {
  const isJson = String(request.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase() === JSON_TYPE;
  let decoded: unknown;
  try {
    decoded = decodeBody(signal, request, isJson, maxBytes);
  } catch (e) {
    if (!(e instanceof VigilError)) throw e;
    // A body that cannot be read counts as one refused event: what it held is unknown.
    const one = new Map([[signal.stream, 1]]);
    ctx.counted(one, one);
    throw e;
  }
  const { events, items, refused } = signal.convert(decoded, Date.now());
  const outcome = events.length === 0 ? [] : await ctx.submit(events);
  if (outcome === 'busy') throw new VigilError(ErrorCode.Busy, 'the engine is busy; retry shortly');
  for (const r of outcome) refused.push(r.error);
  ctx.counted(new Map([[signal.stream, items]]), new Map([[signal.stream, refused.length]]));
  // As the OTLP spec says: partialSuccess is set only when something was refused.
  const body: Record<string, unknown> = {};
  if (refused.length > 0) {
    const named = refused.slice(0, NAMED_REFUSALS).join('; ');
    const more = refused.length > NAMED_REFUSALS ? `; and ${refused.length - NAMED_REFUSALS} more` : '';
    body.partialSuccess = { [signal.rejectedField]: String(refused.length), errorMessage: `${refused.length} of ${items} refused: ${named}${more}` };
  }
  if (isJson) return reply.code(200).header('content-type', JSON_TYPE).send(JSON.stringify(body));
  return reply.code(200).header('content-type', PROTOBUF).send(Buffer.from(encodeOtlp(signal.response, body)));
}

/** The request as plain data, or a `BadEvent` error naming why it cannot be read. */
function decodeBody(signal: Signal, request: FastifyRequest, isJson: boolean, maxBytes: number): unknown {
  const what = `${signal.path}`;
  let body = request.body;
  if (!(body instanceof Uint8Array) || body.length === 0) throw new VigilError(ErrorCode.BadEvent, `${what}: the body is empty`);
  const encoding = String(request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'gzip') {
    try {
      body = gunzipSync(body, { maxOutputLength: maxBytes });
    } catch (e) {
      throw new VigilError(ErrorCode.BadEvent, `${what}: the body is not gzip, or inflates past ${maxBytes} bytes: ${(e as Error).message}`);
    }
  } else if (encoding !== 'identity' && encoding !== '') {
    throw new VigilError(ErrorCode.BadEvent, `${what}: Content-Encoding ${JSON.stringify(encoding.slice(0, 40))} is not taken; send gzip or none`);
  }
  const bytes = body as Uint8Array;
  if (isJson) {
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    } catch (e) {
      throw new VigilError(ErrorCode.BadEvent, `${what}: the body is not JSON: ${(e as Error).message.slice(0, 200)}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new VigilError(ErrorCode.BadEvent, `${what}: the body must be a JSON object (${signal.request.name})`);
    return value;
  }
  try {
    return decodeOtlp(signal.request, bytes);
  } catch (e) {
    throw new VigilError(ErrorCode.BadEvent, `${what}: the body is not a protobuf ${signal.request.name}: ${(e as Error).message.slice(0, 200)}`);
  }
}
