import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiContext, ApiToken } from './context.js';

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

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function requiredRole(request: FastifyRequest): Role | 'none' {
  const declared = request.routeOptions.config.auth;
  if (declared !== undefined) return declared;
  return request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write';
}

/**
 * Bearer-token authorization for every route of the app (the event intake included):
 * 401 without a token or with an unknown one, 403 when the token's role is too weak. With
 * no tokens configured every request is allowed, as `anonymous`.
 */
export function registerAuth(app: FastifyInstance, ctx: ApiContext): void {
  // Comparing fixed-length digests, and every one of them, takes the same time whichever
  // token (if any) matches, so response times reveal nothing about the tokens.
  const known = ctx.tokens.map((t) => ({ digest: digest(t.token), caller: { name: t.name, role: t.role } satisfies Caller }));

  const lookup = (presented: string): Caller | undefined => {
    const d = digest(presented);
    let found: Caller | undefined;
    for (const k of known) if (timingSafeEqual(d, k.digest)) found ??= k.caller;
    return found;
  };

  app.addHook('onRequest', async (request, reply) => {
    const needed = requiredRole(request);
    if (needed === 'none') return;
    if (known.length === 0) {
      callers.set(request, ANONYMOUS);
      return;
    }
    const header = request.headers.authorization ?? '';
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (match === null) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="vigil"').send({ error: 'a bearer token is required' });
    }
    const caller = lookup(match[1]!);
    if (caller === undefined) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="vigil", error="invalid_token"').send({ error: 'unknown token' });
    }
    if (RANK[caller.role] < RANK[needed]) {
      return reply.code(403).send({ error: `this needs the ${needed} role; the token has ${caller.role}` });
    }
    callers.set(request, caller);
  });
}
