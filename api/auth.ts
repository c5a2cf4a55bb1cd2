import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiToken, ApiUser } from './context.js';
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
 * Bearer-token (and, when users are configured, HTTP basic) authorization for every route
 * of the API context (the sources' intake routes included): 401 without credentials or
 * with unknown ones, 403 when the role is too weak. With no tokens nor users configured
 * every request is allowed, as `anonymous`.
 */
export function registerAuth(app: FastifyInstance, tokens: readonly ApiToken[], basicUsers: readonly ApiUser[] = []): void {
  // Comparing fixed-length digests, and every one of them, takes the same time whichever
  // token (if any) matches, so response times reveal nothing about the tokens.
  const known = tokens.map((t) => ({ digest: digest(t.token), caller: { name: t.name, role: t.role } satisfies Caller }));
  // Basic credentials are compared as the whole `name:password` text, the same way.
  const users = basicUsers.map((u) => ({ digest: digest(`${u.name}:${u.password}`), caller: { name: u.name, role: u.role } satisfies Caller }));

  const lookupIn = (list: typeof known, presented: string): Caller | undefined => {
    const d = digest(presented);
    let found: Caller | undefined;
    for (const k of list) if (timingSafeEqual(d, k.digest)) found ??= k.caller;
    return found;
  };

  app.addHook('onRequest', async (request) => {
    const needed = requiredRole(request.method, request.routeOptions.config.auth);
    if (needed === 'none') return;
    if (known.length === 0 && users.length === 0) {
      callers.set(request, ANONYMOUS);
      return;
    }
    const header = request.headers.authorization ?? '';
    const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    const basic = bearer === null && users.length > 0 ? /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header) : null;
    if (bearer === null && basic === null) throw users.length > 0 ? new ApiErrors.CredentialsRequired() : new ApiErrors.TokenRequired();
    const caller = bearer !== null ? lookupIn(known, bearer[1]!) : lookupIn(users, Buffer.from(basic![1]!, 'base64').toString('utf8'));
    if (caller === undefined) throw bearer !== null ? new ApiErrors.UnknownToken() : new ApiErrors.UnknownUser();
    if (RANK[caller.role] < RANK[needed]) throw new ApiErrors.Forbidden(needed, caller.role);
    callers.set(request, caller);
  });
}
