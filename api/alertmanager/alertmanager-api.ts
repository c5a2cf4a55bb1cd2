import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../context.js';
import type { ApiMetrics } from '../metrics.js';
import { registerAlertRoutes } from './alerts-routes.js';
import { registerSilenceRoutes } from './silence-routes.js';
import { registerStatusRoutes } from './status-routes.js';

/**
 * Alertmanager's HTTP API (v2, plus `POST /api/v1/alerts`), so Prometheus, Grafana and
 * `amtool` can use vigil where they used an Alertmanager: alerts, alert groups, silences,
 * receivers, status, health and reload, in the request and response shapes of
 * Alertmanager's OpenAPI spec.
 */
export const alertmanagerRoutes: FastifyPluginAsync<{ ctx: ApiContext; metrics?: ApiMetrics }> = async (api, { ctx, metrics }) => {
  registerAlertRoutes(api, ctx, metrics);
  registerSilenceRoutes(api, ctx);
  registerStatusRoutes(api, ctx);
};
