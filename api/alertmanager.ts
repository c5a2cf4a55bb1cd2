import type { FastifyInstance } from 'fastify';
import type { ExternalAlert } from '../engine/external-alerts.js';
import type { HttpRoutes, Source, SourceContext } from '../engine/model/source.js';
import { ApiErrors } from './errors.js';
import { isoTime, parseIsoTime } from './times.js';
import { isoTimeSchema } from './validation.js';

/** Most alerts one post may carry. */
export const MAX_ALERTS_PER_POST = 10_000;

const stringMap = { type: 'object', additionalProperties: { type: 'string', maxLength: 65_536 } } as const;

/** Alertmanager v2's `postableAlerts`: what Prometheus and Grafana send. */
const alertsBody = {
  type: 'array',
  maxItems: MAX_ALERTS_PER_POST,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['labels'],
    properties: {
      labels: { ...stringMap, minProperties: 1, maxProperties: 256 },
      annotations: { ...stringMap, maxProperties: 256 },
      startsAt: isoTimeSchema,
      endsAt: isoTimeSchema,
      generatorURL: { type: 'string', maxLength: 8192 },
    },
  },
} as const;

interface PostedAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

/**
 * Go's zero `time.Time` (0001-01-01T00:00:00Z), which Prometheus sends for a time it does
 * not know; Alertmanager reads it as unset, and so does vigil.
 */
const GO_ZERO_TIME_MS = -62_135_596_800_000;

function timeOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseIsoTime(text)!;
  return ms === GO_ZERO_TIME_MS ? undefined : ms;
}

/**
 * The Alertmanager v2 intake, a `Source`, so Prometheus and Grafana can use vigil as their
 * Alertmanager: `POST /api/v2/alerts` takes their alerts (times converted to epoch ms),
 * journals and applies them, and answers 200 with an empty body as Alertmanager does;
 * `GET /api/v2/status` answers the probes some clients make.
 */
export function createAlertmanagerIntake(): Source<HttpRoutes<FastifyInstance>> {
  let started = false;
  return {
    name: 'alertmanager',
    async start(ctx) {
      ctx.http.add((app) => registerRoutes(app, ctx));
      started = true;
    },
    async stop() {
      started = false;
    },
    health: () => ({ up: started }),
  };
}

function registerRoutes(app: FastifyInstance, ctx: SourceContext): void {
  const startedAt = ctx.now();

  app.post<{ Body: PostedAlert[] }>('/api/v2/alerts', { schema: { body: alertsBody } }, async (request, reply) => {
    const alerts: ExternalAlert[] = [];
    for (const [index, posted] of request.body.entries()) {
      const startsAt = timeOf(posted.startsAt);
      const endsAt = timeOf(posted.endsAt);
      if (startsAt !== undefined && endsAt !== undefined && endsAt < startsAt) {
        throw new ApiErrors.BadRequest(`body.${index}: endsAt is before startsAt`);
      }
      alerts.push({
        labels: posted.labels,
        ...(posted.annotations === undefined ? {} : { annotations: posted.annotations }),
        ...(startsAt === undefined ? {} : { startsAt }),
        ...(endsAt === undefined ? {} : { endsAt }),
        ...(posted.generatorURL === undefined ? {} : { generatorURL: posted.generatorURL }),
      });
    }
    if (alerts.length > 0) ctx.submitAlerts(alerts);
    return reply.code(200).send();
  });

  app.get('/api/v2/status', async () => ({
    cluster: { name: 'vigil', status: 'disabled', peers: [] },
    versionInfo: { version: 'vigil' },
    config: { original: '' },
    uptime: isoTime(startedAt),
  }));
}
