import type { FastifyPluginAsync } from 'fastify';
import type { CheckStatus } from '../engine/model/check-status.js';
import type { ApiContext } from './context.js';
import { isoOrNull, isoTime } from './times.js';

/** A check as the API shows it: times as ISO-8601. */
export function checkView(check: CheckStatus) {
  return {
    name: check.name,
    kind: check.kind,
    target: check.target,
    host: check.host,
    service: check.service,
    everyMs: check.everyMs,
    nextRunAt: isoOrNull(check.nextRunAt),
    results: check.results.map((r) => ({ time: isoTime(r.time), status: r.status, latencyMs: r.latencyMs, message: r.message, daysLeft: r.daysLeft ?? null })),
  };
}

/** `GET /v1/checks`: every health check of the rules with its latest results and next run. */
export const checkRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (api, { ctx }) => {
  api.get('/v1/checks', async () => ({ checks: (ctx.checks?.() ?? []).map(checkView) }));
};
