import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { callerOf } from './auth.js';

/** Where the build puts the console's bundled files (`dist/console/`, beside `dist/api/`). */
export const CONSOLE_DIR = fileURLToPath(new URL('../console/', import.meta.url));

/** One file of the console, held in memory plain and gzipped. */
interface Asset {
  readonly type: string;
  readonly plain: Buffer;
  readonly gzip: Buffer;
}

const FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

// The page loads nothing from elsewhere and may not be framed by other sites.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/** Reads the console's files once; undefined when the build left them out. */
export function loadConsoleAssets(dir: string = CONSOLE_DIR): Map<string, Asset> | undefined {
  if (!existsSync(`${dir}index.html`)) return undefined;
  const assets = new Map<string, Asset>();
  for (const [name, type] of Object.entries(FILES)) {
    const plain = readFileSync(`${dir}${name}`);
    assets.set(name, { type, plain, gzip: gzipSync(plain, { level: 9 }) });
  }
  return assets;
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset, cache: string): Buffer {
  reply.headers({ ...SECURITY_HEADERS, 'content-type': asset.type, 'cache-control': cache, vary: 'accept-encoding' });
  if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
    reply.header('content-encoding', 'gzip');
    return asset.gzip;
  }
  return asset.plain;
}

/**
 * The operator console: `GET /` (and `/status`, the public status page) answer the page,
 * `/console/*` its script and style, all open without a token since they hold no data;
 * every piece of data the page shows comes from the API with the user's token. The few
 * files are fixed at build time, so they are read once and kept in memory, plain and
 * gzipped, rather than served from disk by a static-file plugin. `GET /v1/whoami` tells
 * the page the caller's name and role, so a viewer is shown no buttons.
 */
export const consoleRoutes: FastifyPluginAsync<{ assets?: Map<string, Asset> | undefined }> = async (api, options) => {
  api.get('/v1/whoami', async (request) => {
    const caller = callerOf(request);
    return { name: caller.name, role: caller.role };
  });
  const assets = options.assets ?? loadConsoleAssets();
  if (assets === undefined) return;
  const page = assets.get('index.html')!;
  const open = { config: { auth: 'none' as const } };
  // The page is small and changes with every build: always asked again.
  api.get('/', open, async (request, reply) => send(request, reply, page, 'no-cache'));
  api.get('/status', open, async (request, reply) => send(request, reply, page, 'no-cache'));
  for (const name of ['app.js', 'console.css']) {
    const asset = assets.get(name)!;
    api.get(`/console/${name}`, open, async (request, reply) => send(request, reply, asset, 'no-cache'));
  }
};
