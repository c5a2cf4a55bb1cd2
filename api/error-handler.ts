import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, VigilError } from '../engine/model/errors.js';
import { ApiErrors, ERROR_HEADERS, errorDetails, isApiError, type ApiError } from './errors.js';
import { describeValidationError } from './validation.js';

/** fastify's own client errors, as the registry's. */
function fromFastify(error: FastifyError): ApiError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiErrors.InvalidJson(error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'the body is empty' : error.message);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiErrors.TooLarge('the body is larger than http.bodyLimit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiErrors.UnsupportedMediaType(error.message, 'application/json');
    default:
      return undefined;
  }
}

/** Errors of vigil's own that a source's route throws, as the registry's. */
function fromVigil(error: VigilError): ApiError | undefined {
  switch (error.code) {
    case ErrorCode.TooLarge:
      return new ApiErrors.TooLarge(error.message);
    case ErrorCode.Busy:
      return new ApiErrors.Busy();
    case ErrorCode.BadEvent:
      return new ApiErrors.BadRequest(error.message);
    default:
      return undefined;
  }
}

/** The error the client is told about: the registry's own, or one made from what was thrown. */
function asApiError(error: FastifyError): ApiError | undefined {
  if (isApiError(error)) return error;
  if (error instanceof VigilError) return fromVigil(error);
  if (error.validation !== undefined && error.validation.length > 0) {
    return new ApiErrors.BadRequest(describeValidationError(error.validationContext ?? 'request', error.validation[0]!));
  }
  const known = fromFastify(error);
  if (known !== undefined) return known;
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const e = new ApiErrors.BadRequest(error.message);
    e.statusCode = status as 400;
    return e;
  }
  return undefined;
}

/**
 * The API's one error handler: every error goes out as `{error: message, code}` (plus the
 * error's details) with the registry's status and headers. Schema failures become
 * `VIGIL_BAD_REQUEST` naming what is wrong and where, fastify's body errors their registry
 * twins; anything unexpected is logged and answered 500 without details, so no stack or
 * internal message ever reaches a client.
 */
export function apiErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  let known = asApiError(error);
  if (known === undefined) {
    request.log.error({ err: error }, 'request failed');
    known = new ApiErrors.Internal();
  }
  const headers = ERROR_HEADERS[known.code];
  if (headers !== undefined) reply.headers(headers);
  return reply.code(known.statusCode ?? 500).send({ error: known.message, code: known.code, ...errorDetails(known) });
}
