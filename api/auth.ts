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
 * Bearer-token (and, when users are configured, HTTP basic) authorization for every route
 * of the app (the event intake included): 401 without credentials or with unknown ones,
 * 403 when the role is too weak. With no tokens nor users configured every request is
 * allowed, as `anonymous`.
 */
export function registerAuth(app: FastifyInstance, ctx: ApiContext): void {
  // Comparing fixed-length digests, and every one of them, takes the same time whichever
  // token (if any) matches, so response times reveal nothing about the tokens.
  const known = ctx.tokens.map((t) => ({ digest: digest(t.token), caller: { name: t.name, role: t.role } satisfies Caller }));
  // Basic credentials are compared as the whole `name:password` text, the same way.
  const users = (ctx.users ?? []).map((u) => ({ digest: digest(`${u.name}:${u.password}`), caller: { name: u.name, role: u.role } satisfies Caller }));
  const challenge = users.length > 0 ? 'Bearer realm="vigil", Basic realm="vigil"' : 'Bearer realm="vigil"';

  const lookupIn = (list: typeof known, presented: string): Caller | undefined => {
    const d = digest(presented);
    let found: Caller | undefined;
    for (const k of list) if (timingSafeEqual(d, k.digest)) found ??= k.caller;
    return found;
  };

  app.addHook('onRequest', async (request, reply) => {
    const needed = requiredRole(request);
    if (needed === 'none') return;
    if (known.length === 0 && users.length === 0) {
      callers.set(request, ANONYMOUS);
      return;
    }
    const header = request.headers.authorization ?? '';
    const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    const basic = bearer === null && users.length > 0 ? /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header) : null;
    if (bearer === null && basic === null) {
      return reply.code(401).header('www-authenticate', challenge).send({ error: users.length > 0 ? 'a bearer token or basic credentials are required' : 'a bearer token is required' });
    }
    const caller = bearer !== null ? lookupIn(known, bearer[1]!) : lookupIn(users, Buffer.from(basic![1]!, 'base64').toString('utf8'));
    if (caller === undefined) {
      const error = bearer !== null ? 'unknown token' : 'unknown user or wrong password';
      return reply.code(401).header('www-authenticate', bearer !== null ? 'Bearer realm="vigil", error="invalid_token"' : challenge).send({ error });
    }
    if (RANK[caller.role] < RANK[needed]) {
      return reply.code(403).send({ error: `this needs the ${needed} role; the token has ${caller.role}` });
    }
    callers.set(request, caller);
  });
}
