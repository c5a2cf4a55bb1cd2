import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { ApiErrors, withDetails } from '../errors.js';
import { isoTime } from '../times.js';
import { receiverNames, routingConfig } from './routing-config.js';

/** vigil's version, as `versionInfo` reports it. */
export const VIGIL_VERSION = '0.1.0';

/**
 * Alertmanager's status and management routes: `GET /api/v2/status` (cluster, version,
 * routing as configuration text, uptime), `GET /api/v2/receivers`, and the `/-/healthy`,
 * `/-/ready` and `POST /-/reload` endpoints that probes and `amtool` use.
 */
export function registerStatusRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const startedAt = ctx.now();

  app.get('/api/v2/status', { config: { auth: 'read' } }, async () => ({
    // As a single Alertmanager without gossip: no cluster name, no peers.
    cluster: { status: 'disabled', peers: [] },
    versionInfo: {
      version: VIGIL_VERSION,
      revision: 'vigil',
      branch: 'vigil',
      buildUser: 'vigil',
      buildDate: '',
      goVersion: `node ${process.version}`,
    },
    config: { original: routingConfig(ctx.queries.policies()) },
    uptime: isoTime(startedAt),
  }));

  app.get('/api/v2/receivers', { config: { auth: 'read' } }, async () => receiverNames(ctx.queries.policies()).map((name) => ({ name })));

  const ok = { config: { auth: 'none' as const } };
  app.get('/-/healthy', ok, async (_request, reply) => reply.type('text/plain').send('OK'));
  app.get('/-/ready', ok, async (_request, reply) => {
    if (!ctx.ready()) throw new ApiErrors.NotReady();
    return reply.type('text/plain').send('OK');
  });
  app.post('/-/reload', { config: { auth: 'admin', audit: { action: 'reload' } } }, async (_request, reply) => {
    const outcome = await ctx.reload();
    if (!outcome.ok) throw withDetails(new ApiErrors.RulesInvalid(), { diagnostics: outcome.diagnostics });
    return reply.send();
  });
}
