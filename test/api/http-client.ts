import { request } from 'node:http';
import type { Harness } from './api-harness.js';

/** What a raw request answered. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  json(): any;
}

/** What to send: exactly these headers (nothing added but what HTTP needs), and the body if any. */
export interface RawRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/**
 * Sends one request over a real socket with exactly the given headers, as curl or a browser
 * would (fetch adds headers of its own, such as Sec-Fetch-Mode). `Host` defaults to the
 * server's address. Streams are cut once the status is known when `headersOnly` is set.
 */
export function send(base: string, req: RawRequest, headersOnly = false): Promise<RawAnswer> {
  const url = new URL(req.path, base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const r = request(url, { method: req.method ?? 'GET', headers, agent: false }, (res) => {
      const done = (body: string) =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
      if (headersOnly) {
        done('');
        res.destroy();
        return;
      }
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => done(body));
    });
    r.on('error', reject);
    r.end(req.body);
  });
}

/** Starts the harness's app on a free loopback port and answers its base URL. */
export async function listen(h: Harness): Promise<string> {
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  const address = h.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}
