import type { FastifyInstance } from 'fastify';
import type { ApiContext } from './context.js';

/**
 * Liveness and readiness, open without a token: `/healthz` answers while the process
 * serves at all; `/readyz` only once the state is recovered and traffic is taken (503
 * before), so orchestrators route requests only to an instance that can answer them.
 */
export function registerHealth(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/healthz', { config: { auth: 'none' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { auth: 'none' } }, async (_request, reply) =>
    ctx.ready() ? { status: 'ready' } : reply.code(503).send({ status: 'starting' }),
  );
}
