import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { describeValidationError } from './validation.js';

/**
 * The API's one error handler: a request that fails its schema gets 400 with what is wrong
 * and where; other client errors (bad JSON, too large, wrong content type) keep their
 * status and message; anything else is logged and answered 500 without details, so no
 * stack or internal message ever reaches a client.
 */
export function apiErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.validation !== undefined && error.validation.length > 0) {
    const context = error.validationContext ?? 'request';
    return reply.code(400).send({ error: describeValidationError(context, error.validation[0]!) });
  }
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return reply.code(status).send({ error: error.message });
  }
  request.log.error({ err: error }, 'request failed');
  return reply.code(500).send({ error: 'internal error' });
}
