/**
 * A small HTTP client for the Docker Engine API over a unix socket or TCP. Written on
 * node:http rather than taken from dockerode/docker-modem: vigil needs three GETs and two
 * followed streams, and those packages bring ssh2 and a callback API whose event stream
 * does not reconnect, which vigil has to do itself anyway (as the `docker restart` step
 * executor already talks to the engine with node:http).
 */

import { request, type IncomingMessage } from 'node:http';
import type { EngineEndpoint } from './engine-endpoint.js';

/** The API version asked for: Docker Engine 20.10; Podman's service answers it too. */
export const ENGINE_API_VERSION = 'v1.41';

/** Most bytes of a JSON answer read (a listing of thousands of containers fits). */
const MAX_JSON_BYTES = 64 * 1024 * 1024;

/** An answer that is not 2xx, with the engine's message. */
export class EngineHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Talks to one engine. */
export interface EngineClient {
  /** GET `path` (below the API version) and parse the JSON answer; rejects on non-2xx, on abort or timeout. */
  getJson(path: string, signal: AbortSignal): Promise<unknown>;
  /** GET `path` and resolve with the response once its headers came (2xx only); the caller reads the body. */
  openStream(path: string, signal: AbortSignal): Promise<IncomingMessage>;
}

/** Creates a client for `endpoint`. */
export function createEngineClient(endpoint: EngineEndpoint): EngineClient {
  const target = endpoint.kind === 'unix' ? { socketPath: endpoint.socketPath } : { hostname: endpoint.hostname, port: endpoint.port };

  function get(path: string, signal: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request(
        { ...target, method: 'GET', path: `/${ENGINE_API_VERSION}${path}`, agent: false, headers: { host: 'docker' }, signal },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(res);
          readBody(res, 64 * 1024).then(
            (body) => reject(new EngineHttpError(status, `HTTP ${status}${engineMessage(body)}`)),
            reject,
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  return {
    async getJson(path, signal) {
      const res = await get(path, signal);
      const body = await readBody(res, MAX_JSON_BYTES);
      return JSON.parse(body) as unknown;
    },
    openStream: get,
  };
}

function readBody(res: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        res.destroy(new Error(`an answer over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    res.on('close', () => {
      if (!res.complete) reject(new Error('the answer was cut off'));
    });
  });
}

function engineMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return `: ${parsed.message.slice(0, 200)}`;
  } catch {
    // Not the engine's JSON error body.
  }
  return '';
}
