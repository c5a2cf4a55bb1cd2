import type { FastifyInstance } from 'fastify';
import { registerAlertmanagerApi } from './alertmanager/alertmanager-api.js';
import { registerAuth } from './auth.js';
import type { ApiContext } from './context.js';
import { apiErrorHandler } from './error-handler.js';
import { registerHealth } from './health.js';
import { registerIncidents } from './incidents.js';
import { registerMetrics, type ApiMetrics } from './metrics.js';
import { registerPlaybooks } from './playbooks.js';
import { registerRules } from './rules.js';
import { registerSilences } from './silences.js';
import { registerTimeline } from './timeline.js';
import { apiValidatorCompiler } from './validation.js';

/** What the service hands the API besides its context. */
export interface ApiOptions {
  readonly metrics: ApiMetrics;
  /** Interval of the event stream's keep-alive comment (default 15 s). */
  readonly heartbeatMs?: number;
}

/**
 * The HTTP API on an existing fastify app. Authorization guards every route of the app,
 * including routes the service registers itself (the event intake); the API routes live in
 * their own fastify context, with strict schema validation and an error handler that turns
 * bad input into 400 and never shows a stack. Routes are added when the app becomes ready.
 */
export function registerApi(app: FastifyInstance, ctx: ApiContext, options: ApiOptions): void {
  registerAuth(app, ctx);
  app.register(async (api) => {
    api.setValidatorCompiler(apiValidatorCompiler);
    api.setErrorHandler(apiErrorHandler);
    registerHealth(api, ctx);
    registerMetrics(api, ctx, options.metrics);
    registerIncidents(api, ctx);
    registerTimeline(api, ctx, options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs });
    registerRules(api, ctx);
    registerSilences(api, ctx);
    registerAlertmanagerApi(api, ctx, options.metrics);
    registerPlaybooks(api, ctx);
  });
}
