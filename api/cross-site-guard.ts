import { hostname, networkInterfaces } from 'node:os';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiErrors } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Media types a write's body may have (default `application/json`). */
    bodyTypes?: readonly string[];
  }
}

/** Where browser requests may come from, and which `Host` names the service answers for. */
export interface CrossSiteOptions {
  /** Host names (or `name:port`) accepted in the `Host` header; `*` accepts any. */
  readonly allowedHosts: readonly string[];
  /** Origins (`scheme://host[:port]`) besides the service's own whose browser requests are taken. */
  readonly allowedOrigins: readonly string[];
}

/** Names every loopback client may use. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

const WILDCARD = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * The hosts a service answers for when `http.allowedHosts` is not set: the loopback names,
 * the listen address, the host of `http.publicUrl`, and when listening on every interface
 * (0.0.0.0 or ::) this machine's name and interface addresses too.
 */
export function defaultAllowedHosts(options: { readonly listenHost: string; readonly publicUrl: string }): string[] {
  const hosts = new Set(LOOPBACK_HOSTS);
  const listen = options.listenHost.toLowerCase();
  if (WILDCARD.has(listen)) {
    hosts.add(hostname().toLowerCase());
    for (const addresses of Object.values(networkInterfaces())) {
      for (const a of addresses ?? []) hosts.add(a.family === 'IPv6' ? `[${a.address.toLowerCase()}]` : a.address);
    }
  } else hosts.add(listen.includes(':') && !listen.startsWith('[') ? `[${listen}]` : listen);
  if (options.publicUrl !== '') {
    try {
      hosts.add(new URL(options.publicUrl).hostname.toLowerCase());
    } catch {
      // An unparsable publicUrl adds nothing; the config check reports it.
    }
  }
  return [...hosts];
}

/** `Host` header → [hostname, port] (hostname lower-cased, IPv6 kept in brackets). */
function splitHost(header: string): [string, string] {
  const text = header.toLowerCase();
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    return [text.slice(0, end + 1), text.slice(end + 2)];
  }
  const colon = text.lastIndexOf(':');
  return colon < 0 ? [text, ''] : [text.slice(0, colon), text.slice(colon + 1)];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const DEFAULT_BODY_TYPES: readonly string[] = ['application/json'];

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Refuses what a web page the operator happens to open could make their browser send
 * (CSRF, DNS rebinding), on every API route and whether or not tokens are set:
 *
 * - the `Host` header must name an allowed host (a rebound DNS name does not);
 * - `Sec-Fetch-Site: cross-site` or `same-site` is refused, except a plain navigation to a
 *   GET route (a link to an incident from a chat message still opens);
 * - an `Origin` header must be the service's own (same host as `Host`) or an allowed one;
 * - a write (POST, PUT, PATCH, DELETE) with a body must say `Content-Type: application/json`
 *   (or a type the route declares in `bodyTypes`), which no HTML form can send without a
 *   preflight; a write with no body and no content type is taken only from a client that
 *   sends no browser headers (curl, scripts).
 *
 * Clients that are not browsers (curl, Prometheus, amtool) send no Origin nor Sec-Fetch-*
 * headers and are not affected.
 */
export function registerCrossSiteGuard(app: FastifyInstance, options: CrossSiteOptions): void {
  const anyHost = options.allowedHosts.includes('*');
  const names = new Set<string>();
  const withPort = new Set<string>();
  for (const h of options.allowedHosts) {
    const [name, port] = splitHost(h.trim());
    if (port === '') names.add(name);
    else withPort.add(`${name}:${port}`);
  }
  const origins = new Set(options.allowedOrigins.map((o) => o.trim().toLowerCase().replace(/\/+$/, '')));

  app.addHook('onRequest', async (request) => {
    const host = request.headers.host;
    if (host !== undefined && !anyHost) {
      const [name, port] = splitHost(host);
      if (!names.has(name) && !withPort.has(`${name}:${port}`)) throw new ApiErrors.HostNotAllowed(host.slice(0, 256));
    }
    const site = request.headers['sec-fetch-site'];
    const unsafe = !SAFE_METHODS.has(request.method);
    if ((site === 'cross-site' || site === 'same-site') && (unsafe || request.headers['sec-fetch-mode'] !== 'navigate')) {
      throw new ApiErrors.CrossSite(`Sec-Fetch-Site: ${site}`);
    }
    const origin = request.headers.origin;
    if (origin !== undefined) {
      const normal = origin.toLowerCase();
      const sameHost = host !== undefined && normal.replace(/^[a-z][a-z0-9+.-]*:\/\//, '') === host.toLowerCase();
      if (!sameHost && !origins.has(normal)) throw new ApiErrors.CrossSite(`Origin ${origin.slice(0, 256)} is not allowed (http.allowedOrigins)`);
    }
    if (!unsafe) return;
    const types = request.routeOptions.config.bodyTypes ?? DEFAULT_BODY_TYPES;
    const contentType = request.headers['content-type'];
    if (contentType === undefined) {
      if (!hasBody(request) && origin === undefined && site === undefined) return;
      throw new ApiErrors.UnsupportedMediaType('(none)', types.join(' or '));
    }
    const mime = contentType.split(';', 1)[0]!.trim().toLowerCase();
    if (!types.includes(mime)) throw new ApiErrors.UnsupportedMediaType(mime.slice(0, 128), types.join(' or '));
  });
}
