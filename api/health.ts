import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from './context.js';
import { ApiErrors, withDetails } from './errors.js';

/**
 * Liveness and readiness, open without a token: `/healthz` answers while the process
 * serves at all; `/readyz` only once the state is recovered and traffic is taken (503
 * before), so orchestrators route requests only to an instance that can answer them.
 */
export const healthRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (api, { ctx }) => {
  api.get('/healthz', { config: { auth: 'none' } }, async () => ({ status: 'ok' }));
  api.get('/readyz', { config: { auth: 'none' } }, async () => {
    if (!ctx.ready()) throw withDetails(new ApiErrors.NotReady(), { status: 'starting' });
    return { status: 'ready' };
  });
};
