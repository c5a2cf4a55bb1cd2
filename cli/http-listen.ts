import type { FastifyInstance } from 'fastify';
import { ErrorCode, VigilError } from '../engine/model/errors.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Where the API listens: host (brackets of an IPv6 address removed) and port. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Where to listen, from `HOST:PORT` (`http.listen`, `--listen`, `VIGIL_LISTEN`). Without
 * API tokens anyone who can reach the port could change state, so a start that would listen
 * elsewhere than loopback without one is refused.
 */
export function listenAddress(listen: string, hasTokens: boolean, log: (line: string) => void): ListenAddress {
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(colon + 1));
  if (!hasTokens && !LOOPBACK.has(host)) {
    throw new VigilError(
      ErrorCode.Config,
      `http.listen: ${listen} is not a loopback address, and no API tokens are configured (auth.tokens, nor users: auth.users); configure one, or listen on 127.0.0.1`,
    );
  }
  if (!hasTokens) log('no API tokens are configured: the API is open to local clients only');
  return { host, port };
}

/** Starts serving; resolves with the URL it listens on. A port taken or refused is a configuration error. */
export async function listenHttp(app: FastifyInstance, { host, port }: ListenAddress): Promise<string> {
  try {
    await app.listen({ host, port });
  } catch (e) {
    throw new VigilError(ErrorCode.Config, `cannot listen on ${host}:${port}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
  }
  const address = app.server.address();
  const shown = typeof address === 'object' && address !== null ? `${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}` : `${host}:${port}`;
  return `http://${shown}`;
}
