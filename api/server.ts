import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { alertmanagerRoutes } from './alertmanager/alertmanager-api.js';
import { auditRoutes } from './audit.js';
import { registerAuditHook } from './audit-hook.js';
import { callerOf, isAuthenticated, registerAuth } from './auth.js';
import { checkRoutes } from './checks.js';
import { consoleRoutes } from './console-routes.js';
import type { ApiContext, ApiRoutes } from './context.js';
import { LOOPBACK_HOSTS, registerCrossSiteGuard } from './cross-site-guard.js';
import { apiErrorHandler } from './error-handler.js';
import { ApiErrors } from './errors.js';
import { healthRoutes } from './health.js';
import { incidentRoutes } from './incidents.js';
import { registerJsonBody } from './json-body.js';
import { metricsRoutes, type ApiMetrics } from './metrics.js';
import { playbookRoutes } from './playbooks.js';
import { ruleRoutes } from './rules.js';
import { silenceRoutes } from './silences.js';
import { statusPageRoutes, type StatusPageOptions } from './status-page.js';
import { streamRoutes } from './stream.js';
import { timelineRoutes } from './timeline.js';
import { apiValidatorCompiler } from './validation.js';

/** Default most requests per minute per token (or per client address without tokens). */
export const RATE_LIMIT = 120_000;

/** What the service hands the API besides its context. */
export interface ApiOptions {
  readonly metrics: ApiMetrics;
  /** Interval of the event stream's keep-alive comment (default 15 s). */
  readonly heartbeatMs?: number;
  /** `Host` names answered for (see `registerCrossSiteGuard`); default the loopback names. */
  readonly allowedHosts?: readonly string[];
  /** Origins besides the service's own whose browser requests are taken (default none). */
  readonly allowedOrigins?: readonly string[];
  /** Most requests per minute per token, or per address without one (default `RATE_LIMIT`; 0: no limit). */
  readonly rateLimit?: number;
  /** Most event streams open at once (default 256). */
  readonly maxStreams?: number;
  /** Most event streams per client address (default 16). */
  readonly maxStreamsPerClient?: number;
  /**
   * Routes of sources that take data over HTTP (the event intake, posted alerts), each a
   * fastify plugin registered inside the API context: the same authorization, cross-site
   * checks, JSON parsing, rate limit and error shape as every API route.
   */
  readonly routes?: readonly ApiRoutes[];
  /** The public status page's services (`statusPage`); none: no status page. */
  readonly statusPage?: StatusPageOptions;
}

/**
 * The HTTP API on an existing fastify app, in one fastify context: the cross-site guard
 * and authorization on every route, the rate limit, JSON bodies, strict schema validation,
 * the audit of writes, and one error handler rendering the registry's errors. Each group of
 * routes is a plugin of its own; sources add theirs through `options.routes`. Routes are
 * added when the app becomes ready.
 */
export function registerApi(app: FastifyInstance, ctx: ApiContext, options: ApiOptions): void {
  app.setNotFoundHandler(async (request) => {
    throw new ApiErrors.NoRoute(request.method, request.url.split('?', 1)[0]!.slice(0, 256));
  });
  app.setErrorHandler(apiErrorHandler);
  app.register(async (api) => {
    api.setValidatorCompiler(apiValidatorCompiler);
    api.setErrorHandler(apiErrorHandler);
    registerCrossSiteGuard(api, { allowedHosts: options.allowedHosts ?? LOOPBACK_HOSTS, allowedOrigins: options.allowedOrigins ?? [] });
    registerAuth(api, ctx.tokens, ctx.users ?? []);
    registerJsonBody(api);
    registerAuditHook(api, ctx);
    const perMinute = options.rateLimit ?? RATE_LIMIT;
    if (perMinute > 0) {
      await api.register(rateLimit, {
        global: true,
        max: perMinute,
        timeWindow: 60_000,
        // After authorization, so the limit is per token; before the body is read.
        hook: 'preParsing',
        keyGenerator: (request) => (isAuthenticated(request) && (ctx.tokens.length > 0 || (ctx.users ?? []).length > 0) ? `token:${callerOf(request).name}` : `ip:${request.ip}`),
        onExceeded: () => options.metrics.limitRefused('rate'),
        errorResponseBuilder: () => new ApiErrors.RateLimited(perMinute),
      });
    }
    await api.register(healthRoutes, { ctx });
    await api.register(metricsRoutes, { ctx, metrics: options.metrics });
    await api.register(incidentRoutes, { ctx });
    await api.register(timelineRoutes, { ctx });
    await api.register(streamRoutes, {
      ctx,
      ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
      ...(options.maxStreams === undefined ? {} : { maxStreams: options.maxStreams }),
      ...(options.maxStreamsPerClient === undefined ? {} : { maxStreamsPerClient: options.maxStreamsPerClient }),
      onRefused: (limit) => options.metrics.limitRefused(limit),
    });
    await api.register(ruleRoutes, { ctx });
    await api.register(silenceRoutes, { ctx });
    await api.register(playbookRoutes, { ctx });
    await api.register(auditRoutes, { ctx });
    await api.register(alertmanagerRoutes, { ctx, metrics: options.metrics });
    await api.register(checkRoutes, { ctx });
    await api.register(consoleRoutes, {});
    await api.register(statusPageRoutes, { ctx, statusPage: options.statusPage });
    for (const routes of options.routes ?? []) await api.register(async (child) => routes(child));
  });
}
