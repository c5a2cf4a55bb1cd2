import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiToken } from './context.js';
import { ApiErrors } from './errors.js';

/** What a token may do; each role includes the ones before it. */
export type Role = ApiToken['role'];

/** Who made a request: the token's name and role (or `anonymous` when no tokens are configured). */
export interface Caller {
  readonly name: string;
  readonly role: Role;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The role a route needs; `none` for routes open to anyone (health, metrics). Without
     * it, GET and HEAD need `read` and every other method `write`.
     */
    auth?: Role | 'none';
  }
}

const RANK: Readonly<Record<Role, number>> = { read: 1, write: 2, admin: 3 };

/** The caller of a request when no tokens are configured: allowed everything. */
export const ANONYMOUS: Caller = { name: 'anonymous', role: 'admin' };

const callers = new WeakMap<FastifyRequest, Caller>();

/** Who made this request, as the auth hook established it. */
export function callerOf(request: FastifyRequest): Caller {
  return callers.get(request) ?? ANONYMOUS;
}

/** True once the auth hook let the request through as a known caller (or as anonymous). */
export function isAuthenticated(request: FastifyRequest): boolean {
  return callers.has(request);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The role a route needs: what it declares, else `read` for GET and HEAD and `write` for the rest. */
export function requiredRole(method: string, declared: Role | 'none' | undefined): Role | 'none' {
  if (declared !== undefined) return declared;
  return method === 'GET' || method === 'HEAD' ? 'read' : 'write';
}

/**
 * Bearer-token authorization for every route of the API context (the sources' intake routes
 * included): 401 without a token or with an unknown one, 403 when the token's role is too
 * weak. With no tokens configured every request is allowed, as `anonymous`.
 */
export function registerAuth(app: FastifyInstance, tokens: readonly ApiToken[]): void {
  // Comparing fixed-length digests, and every one of them, takes the same time whichever
  // token (if any) matches, so response times reveal nothing about the tokens.
  const known = tokens.map((t) => ({ digest: digest(t.token), caller: { name: t.name, role: t.role } satisfies Caller }));

  const lookup = (presented: string): Caller | undefined => {
    const d = digest(presented);
    let found: Caller | undefined;
    for (const k of known) if (timingSafeEqual(d, k.digest)) found ??= k.caller;
    return found;
  };

  app.addHook('onRequest', async (request) => {
    const needed = requiredRole(request.method, request.routeOptions.config.auth);
    if (needed === 'none') return;
    if (known.length === 0) {
      callers.set(request, ANONYMOUS);
      return;
    }
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? '');
    if (match === null) throw new ApiErrors.TokenRequired();
    const caller = lookup(match[1]!);
    if (caller === undefined) throw new ApiErrors.UnknownToken();
    if (RANK[caller.role] < RANK[needed]) throw new ApiErrors.Forbidden(needed, caller.role);
    callers.set(request, caller);
  });
}
