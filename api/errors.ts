import createError from '@fastify/error';

/**
 * Every error the HTTP API answers with, in one registry: a stable `code` (what clients and
 * tests match on), the HTTP status, and a message template (`%s` filled from the
 * arguments). Routes throw these; the API's error handler renders them as
 * `{error: message, code}` plus the error's `details`, if any.
 */
export const ApiErrors = {
  /** The request is malformed; the message names what and where. */
  BadRequest: createError<'VIGIL_BAD_REQUEST', 400, [string]>('VIGIL_BAD_REQUEST', '%s', 400),
  /** The body is not JSON (or, for NDJSON, not text). */
  InvalidJson: createError<'VIGIL_INVALID_JSON', 400, [string]>('VIGIL_INVALID_JSON', 'body is not valid JSON: %s', 400),
  /** A JSON body carries `__proto__`, `constructor` or `prototype` as a key. */
  ForbiddenKey: createError<'VIGIL_FORBIDDEN_KEY', 400, [string, string]>('VIGIL_FORBIDDEN_KEY', '%s: the key "%s" is not allowed', 400),
  /** No bearer token was sent, and the route needs one. */
  TokenRequired: createError<'VIGIL_TOKEN_REQUIRED', 401, []>('VIGIL_TOKEN_REQUIRED', 'a bearer token is required', 401),
  /** No credentials were sent, and the route needs a bearer token or basic credentials (users are configured). */
  CredentialsRequired: createError<'VIGIL_CREDENTIALS_REQUIRED', 401, []>('VIGIL_CREDENTIALS_REQUIRED', 'a bearer token or basic credentials are required', 401),
  /** Basic credentials that match no configured user. */
  UnknownUser: createError<'VIGIL_UNKNOWN_USER', 401, []>('VIGIL_UNKNOWN_USER', 'unknown user or wrong password', 401),
  /** The bearer token is not one of the configured ones. */
  UnknownToken: createError<'VIGIL_UNKNOWN_TOKEN', 401, []>('VIGIL_UNKNOWN_TOKEN', 'unknown token', 401),
  /** The token's role is below what the route needs. */
  Forbidden: createError<'VIGIL_FORBIDDEN', 403, [string, string]>('VIGIL_FORBIDDEN', 'this needs the %s role; the token has %s', 403),
  /** A browser request from another site (Origin / Sec-Fetch-Site). */
  CrossSite: createError<'VIGIL_CROSS_SITE', 403, [string]>('VIGIL_CROSS_SITE', 'cross-site request refused: %s', 403),
  /** The `Host` header names a host the service does not answer for (DNS rebinding). */
  HostNotAllowed: createError<'VIGIL_HOST_NOT_ALLOWED', 403, [string]>('VIGIL_HOST_NOT_ALLOWED', 'host "%s" is not allowed (http.allowedHosts)', 403),
  /** No incident with that id. */
  NoIncident: createError<'VIGIL_NO_INCIDENT', 404, [string]>('VIGIL_NO_INCIDENT', 'no incident %s', 404),
  /** No rule with that name. */
  NoRule: createError<'VIGIL_NO_RULE', 404, [string]>('VIGIL_NO_RULE', 'no rule %s', 404),
  /** No silence with that id. */
  NoSilence: createError<'VIGIL_NO_SILENCE', 404, [string]>('VIGIL_NO_SILENCE', 'no silence %s', 404),
  /** No playbook run with that id. */
  NoRun: createError<'VIGIL_NO_RUN', 404, [string]>('VIGIL_NO_RUN', 'no playbook run %s', 404),
  /** No playbook with that name. */
  NoPlaybook: createError<'VIGIL_NO_PLAYBOOK', 404, [string]>('VIGIL_NO_PLAYBOOK', 'no playbook %s', 404),
  /** The public status page is asked for, and `statusPage` names no groups. */
  NoStatusPage: createError<'VIGIL_NO_STATUS_PAGE', 404, []>('VIGIL_NO_STATUS_PAGE', 'no status page is configured (statusPage in vigil.yaml)', 404),
  /** No route for that method and path. */
  NoRoute: createError<'VIGIL_NO_ROUTE', 404, [string, string]>('VIGIL_NO_ROUTE', 'no route %s %s', 404),
  /** The incident is resolved, so it cannot be acknowledged or resolved again. */
  AlreadyResolved: createError<'VIGIL_ALREADY_RESOLVED', 409, [string]>('VIGIL_ALREADY_RESOLVED', 'incident %s is already resolved', 409),
  /** The silence has already expired. */
  SilenceExpired: createError<'VIGIL_SILENCE_EXPIRED', 409, [string]>('VIGIL_SILENCE_EXPIRED', 'silence %s has already expired', 409),
  /** A one-click link whose signature does not hold (altered, or signed with another secret). */
  LinkInvalid: createError<'VIGIL_LINK_INVALID', 403, []>('VIGIL_LINK_INVALID', 'this link is not valid', 403),
  /** A one-click link past its expiry. */
  LinkExpired: createError<'VIGIL_LINK_EXPIRED', 410, []>('VIGIL_LINK_EXPIRED', 'this link has expired', 410),
  /** A one-click link that was used already: each works once. */
  LinkUsed: createError<'VIGIL_LINK_USED', 409, []>('VIGIL_LINK_USED', 'this link was used already', 409),
  /** The run does not wait for an approval. */
  RunNotWaiting: createError<'VIGIL_RUN_NOT_WAITING', 409, [string]>('VIGIL_RUN_NOT_WAITING', 'playbook run %s is not waiting for approval', 409),
  /** The body is over a limit (bytes or events). */
  TooLarge: createError<'VIGIL_TOO_LARGE', 413, [string]>('VIGIL_TOO_LARGE', '%s', 413),
  /** A write with a body of a type the route does not take. */
  UnsupportedMediaType: createError<'VIGIL_UNSUPPORTED_MEDIA_TYPE', 415, [string, string]>('VIGIL_UNSUPPORTED_MEDIA_TYPE', 'content-type "%s" is not accepted here; send %s', 415),
  /** A rule set that does not compile; `details.diagnostics` says why. */
  RulesInvalid: createError<'VIGIL_RULES_INVALID', 422, []>('VIGIL_RULES_INVALID', 'the rules do not compile; the running set stays', 422),
  /** The intake queue is full. */
  Busy: createError<'VIGIL_BUSY', 429, []>('VIGIL_BUSY', 'the engine is busy; retry shortly', 429),
  /** The caller sent more requests per minute than `http.rateLimit`. */
  RateLimited: createError<'VIGIL_RATE_LIMITED', 429, [number]>('VIGIL_RATE_LIMITED', 'more than %s requests a minute (http.rateLimit); retry later', 429),
  /** This client has as many event streams open as `http.maxStreamsPerClient`. */
  TooManyClientStreams: createError<'VIGIL_TOO_MANY_CLIENT_STREAMS', 429, [number]>('VIGIL_TOO_MANY_CLIENT_STREAMS', 'this client has %s event streams open (http.maxStreamsPerClient)', 429),
  /** The service has as many event streams open as `http.maxStreams`. */
  TooManyStreams: createError<'VIGIL_TOO_MANY_STREAMS', 503, [number]>('VIGIL_TOO_MANY_STREAMS', '%s event streams are open (http.maxStreams); retry later', 503),
  /** The service is still recovering its state. */
  NotReady: createError<'VIGIL_NOT_READY', 503, []>('VIGIL_NOT_READY', 'vigil is starting', 503),
  /** A matcher of an Alertmanager `filter` (or its `receiver` regex) does not parse. */
  BadMatcher: createError<'VIGIL_BAD_MATCHER', 400, [string]>('VIGIL_BAD_MATCHER', '%s', 400),
  /** Some alerts of an Alertmanager post were refused (the others were taken); `details.rejected` names them. */
  AlertsRejected: createError<'VIGIL_ALERTS_REJECTED', 400, [string]>('VIGIL_ALERTS_REJECTED', '%s', 400),
  /** Anything unexpected; the message never says more. */
  Internal: createError<'VIGIL_INTERNAL', 500, []>('VIGIL_INTERNAL', 'internal error', 500),
} as const;

/** One of the registry's errors. */
export type ApiError = ReturnType<(typeof ApiErrors)[keyof typeof ApiErrors]>;

/** Headers that go with an error code (how to authenticate, when to retry). */
export const ERROR_HEADERS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  VIGIL_TOKEN_REQUIRED: { 'www-authenticate': 'Bearer realm="vigil"' },
  VIGIL_UNKNOWN_TOKEN: { 'www-authenticate': 'Bearer realm="vigil", error="invalid_token"' },
  VIGIL_CREDENTIALS_REQUIRED: { 'www-authenticate': 'Bearer realm="vigil", Basic realm="vigil"' },
  VIGIL_UNKNOWN_USER: { 'www-authenticate': 'Bearer realm="vigil", Basic realm="vigil"' },
  VIGIL_BUSY: { 'retry-after': '1' },
  VIGIL_TOO_MANY_CLIENT_STREAMS: { 'retry-after': '10' },
  VIGIL_TOO_MANY_STREAMS: { 'retry-after': '10' },
};

const detailsOf = new WeakMap<Error, Readonly<Record<string, unknown>>>();

/** Attaches fields the error's JSON answer carries besides `error` and `code` (e.g. reload diagnostics). */
export function withDetails<E extends Error>(error: E, details: Readonly<Record<string, unknown>>): E {
  detailsOf.set(error, details);
  return error;
}

/** The extra fields attached with `withDetails`, if any. */
export function errorDetails(error: Error): Readonly<Record<string, unknown>> | undefined {
  return detailsOf.get(error);
}

/** True for an error of the registry (its code starts with `VIGIL_`). */
export function isApiError(error: unknown): error is ApiError {
  if (!(error instanceof Error)) return false;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  return typeof code === 'string' && code.startsWith('VIGIL_') && typeof statusCode === 'number';
}
