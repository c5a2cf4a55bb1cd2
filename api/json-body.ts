import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiErrors } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route checks keys of each item of its body itself (the event intake refuses only
     * the event that has a forbidden key), so the whole-body check is skipped.
     */
    keysCheckedPerItem?: boolean;
  }
}

/** Keys no JSON body may hold: merged by assignment they would reach an object's prototype. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Bodies whose text may hold a forbidden key (possibly \u-escaped) get the full check. */
function mayHoldForbiddenKey(text: string): boolean {
  return text.includes('\\u') || text.includes('__proto__') || text.includes('constructor') || text.includes('prototype');
}

/** Where the first forbidden key in a parsed value is (`body.labels`), and the key; iterative, so depth cannot overflow the stack. */
export function findForbiddenKey(value: unknown): [string, string] | undefined {
  const stack: [unknown, string][] = [[value, 'body']];
  while (stack.length > 0) {
    const [v, where] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push([v[i], `${where}.${i}`]);
      continue;
    }
    for (const key of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(key)) return [where, key];
      stack.push([(v as Record<string, unknown>)[key], `${where}.${key}`]);
    }
  }
  return undefined;
}

const suspicious = new WeakSet<FastifyRequest>();

/**
 * JSON bodies for the API context: a body that does not parse is `InvalidJson` (the API's
 * error shape, not fastify's), an empty one counts as no body, and a body holding
 * `__proto__`, `constructor` or `prototype` as a key is refused as `ForbiddenKey` before
 * validation (routes with `keysCheckedPerItem` refuse just the item instead). `text/plain`
 * is not taken at all, so a form cannot post to the API.
 */
export function registerJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return done(new ApiErrors.InvalidJson((e as Error).message.slice(0, 200)), undefined);
    }
    if (mayHoldForbiddenKey(text)) suspicious.add(request);
    done(null, value);
  });
  app.addHook('preValidation', async (request) => {
    if (!suspicious.has(request) || request.routeOptions.config.keysCheckedPerItem === true) return;
    const found = findForbiddenKey(request.body);
    if (found !== undefined) throw new ApiErrors.ForbiddenKey(found[0], found[1]);
  });
}
