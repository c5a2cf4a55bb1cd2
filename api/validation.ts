import { Ajv, type ErrorObject } from 'ajv';
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { parseInstant, parseIsoTime } from './times.js';

/**
 * The JSON-schema validation behind every API route. Unlike fastify's default it never
 * strips unknown properties (an unknown field is a 400, not silently ignored) and never
 * coerces body types (`"5"` is not a number in JSON); query strings and path parameters are
 * text, so there numbers and booleans are coerced.
 */

function newAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: true, coerceTypes, useDefaults: true, removeAdditional: false });
  ajv.addFormat('instant', { type: 'string', validate: (s: string) => parseInstant(s) !== undefined });
  ajv.addFormat('iso-time', { type: 'string', validate: (s: string) => parseIsoTime(s) !== undefined });
  return ajv;
}

const bodyAjv = newAjv(false);
const textAjv = newAjv(true);

/** Compiles route schemas: strict for bodies, coercing for query strings, params and headers. */
export const apiValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object);

/** Schema of an instant in a query string: ISO-8601 or epoch milliseconds. */
export const instantSchema = { type: 'string', maxLength: 64, format: 'instant' } as const;

/** Schema of an ISO-8601 time in a body. */
export const isoTimeSchema = { type: 'string', maxLength: 64, format: 'iso-time' } as const;

const FORMAT_HINTS: Record<string, string> = {
  instant: 'an ISO-8601 time or epoch milliseconds',
  'iso-time': 'an ISO-8601 time',
};

/** One validation error in words, naming where it is (`body.matchers.0.name`) and what is wrong. */
export function describeValidationError(context: string, error: ErrorObject): string {
  const where = context + error.instancePath.replace(/\//g, '.');
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${where}: unknown property "${String(params.additionalProperty)}"`;
    case 'required':
      return `${where}: missing property "${String(params.missingProperty)}"`;
    case 'enum':
      return `${where} must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'format':
      return `${where} must be ${FORMAT_HINTS[String(params.format)] ?? `of format ${String(params.format)}`}`;
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}

/** A `preValidation` hook for bodies that may be left out: no body counts as `{}`. */
export async function emptyBodyAsObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}
