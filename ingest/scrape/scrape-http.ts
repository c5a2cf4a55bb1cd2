import http from 'node:http';
import { createGunzip } from 'node:zlib';

/**
 * What vigil asks a target for, in Prometheus 2.42's order of preference: OpenMetrics 1.0,
 * then 0.0.1, then the text format 0.0.4.
 */
export const SCRAPE_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** Most bytes of one (uncompressed) scrape body; a larger one fails the scrape. */
export const MAX_SCRAPE_BYTES = 64 * 1024 * 1024;

/** What one scrape request gave: the body and its format, or why it failed. */
export type ScrapeResponse =
  | { readonly ok: true; readonly body: string; readonly openMetrics: boolean }
  | { readonly ok: false; readonly error: string };

/** One GET of a target's metrics page. */
export interface ScrapeRequest {
  readonly url: URL;
  readonly timeoutMs: number;
  readonly agent: http.Agent;
  readonly userAgent: string;
  /** Ends the request early (the source stops). */
  readonly signal: AbortSignal;
}

/**
 * Fetches a metrics page over HTTP with a keep-alive agent, taking gzip as Prometheus does.
 * Never rejects: a refused connection, a timeout (the whole request, body included), a
 * status other than 2xx or a body past `MAX_SCRAPE_BYTES` are a failed scrape with the
 * reason. (node:http rather than fetch: at a thousand targets its lower cost per request
 * is most of the scrape's CPU.)
 */
export function scrapeHttp(request: ScrapeRequest): Promise<ScrapeResponse> {
  const { url, timeoutMs, agent, userAgent, signal } = request;
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: ScrapeResponse): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const req = http.get(
      url,
      {
        agent,
        headers: { accept: SCRAPE_ACCEPT, 'accept-encoding': 'gzip', 'user-agent': userAgent, 'x-prometheus-scrape-timeout-seconds': String(timeoutMs / 1000) },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          res.resume();
          finish({ ok: false, error: `server returned HTTP status ${status} ${res.statusMessage ?? ''}`.trim() });
          return;
        }
        const type = String(res.headers['content-type'] ?? '');
        const openMetrics = type.startsWith('application/openmetrics-text');
        const gzip = String(res.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
        const stream = gzip ? res.pipe(createGunzip()) : res;
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_SCRAPE_BYTES) {
            req.destroy();
            finish({ ok: false, error: `body is larger than ${MAX_SCRAPE_BYTES} bytes` });
            return;
          }
          chunks.push(chunk);
        });
        stream.on('end', () => finish({ ok: true, body: Buffer.concat(chunks).toString('utf8'), openMetrics }));
        stream.on('error', (e: Error) => finish({ ok: false, error: gzip ? `bad gzip body: ${e.message}` : e.message }));
        res.on('error', (e: Error) => finish({ ok: false, error: e.message }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.code === undefined ? e.message : `${e.code}: ${e.message}` }));
    const timer = setTimeout(() => {
      finish({ ok: false, error: `context deadline exceeded (timeout ${timeoutMs} ms)` });
      req.destroy();
    }, timeoutMs);
    const onAbort = (): void => {
      finish({ ok: false, error: 'stopped' });
      req.destroy();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
