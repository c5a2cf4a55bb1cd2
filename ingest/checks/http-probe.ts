import http from 'node:http';
import https from 'node:https';
import { probeTimeoutMs, type CheckSpec } from '../../engine/model/check-spec.js';
import { deadline } from '../../runtime/deadline.js';
import { describeError, oneLine } from './probe-error.js';
import { probeResult, type ProbeOptions, type ProbeResult } from './probe.js';

/** Most body bytes read to look for `expectBodyContains`; the rest is not downloaded. */
export const HTTP_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Connection pools shared by every http check: thousands of checks against a few servers
 * reuse a handful of connections instead of opening one per run. Idle pooled sockets are
 * unreferenced by Node, so they never keep the process alive.
 */
const httpAgent = new http.Agent({ keepAlive: true });
const httpsAgent = new https.Agent({ keepAlive: true });

type Reply =
  | { readonly ok: true; readonly statusCode: number; readonly location: string | undefined; readonly body: Buffer | undefined }
  | { readonly ok: false; readonly error: unknown; readonly reusedSocket: boolean };

/** One GET; reads the body (up to the limit) only when `keepBody`, else drains it. */
function get(url: URL, signal: AbortSignal, keepBody: boolean, ca: string | Buffer | undefined): Promise<Reply> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (reply: Reply): void => {
      if (settled) return;
      settled = true;
      resolve(reply);
    };
    const secure = url.protocol === 'https:';
    const requestOptions: https.RequestOptions = {
      method: 'GET',
      agent: secure ? httpsAgent : httpAgent,
      signal,
      headers: { 'user-agent': 'vigil-check', accept: '*/*' },
    };
    if (secure && ca !== undefined) requestOptions.ca = ca;
    const req = (secure ? https : http).request(url, requestOptions, (res) => {
      const statusCode = res.statusCode ?? 0;
      const location = typeof res.headers.location === 'string' ? res.headers.location : undefined;
      const chunks: Buffer[] = [];
      let bytes = 0;
      const done = (): void => settle({ ok: true, statusCode, location, body: keepBody ? Buffer.concat(chunks) : undefined });
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (keepBody) chunks.push(chunk);
        if (bytes >= HTTP_BODY_LIMIT_BYTES) {
          // Enough read: give up the rest (and with it this connection) rather than download it.
          done();
          res.destroy();
        }
      });
      res.on('end', done);
      res.on('error', (error) => settle({ ok: false, error, reusedSocket: false }));
    });
    req.on('error', (error) => settle({ ok: false, error, reusedSocket: req.reusedSocket }));
    req.end();
  });
}

/** True for the error a pooled connection gives when the server closed it while idle. */
function isStaleConnection(reply: Reply): boolean {
  if (reply.ok || !reply.reusedSocket) return false;
  const code = (reply.error as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/**
 * The http check: one GET of the target URL within the check's timeout. Up iff the status
 * equals `expectStatus` (without it: any 2xx) and, when `expectBodyContains` is given, the
 * first 64 KiB of the body contain it. Redirects are not followed, so a 3xx is down unless
 * it is the expected status. TLS certificates are verified (the system CAs, or
 * `options.tlsCa`). Adds `status_code` when a response came. Never rejects.
 */
export async function httpProbe(spec: CheckSpec, signal: AbortSignal, options: ProbeOptions = {}): Promise<ProbeResult> {
  const startedAt = performance.now();
  let url: URL;
  try {
    url = new URL(spec.target);
  } catch {
    return probeResult('down', startedAt, `invalid URL: ${oneLine(spec.target, 100)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return probeResult('down', startedAt, `unsupported scheme ${url.protocol}`);
  }
  const limit = deadline(signal, probeTimeoutMs(spec));
  try {
    const keepBody = spec.expectBodyContains !== undefined;
    let reply = await get(url, limit.signal, keepBody, options.tlsCa);
    // A pooled connection the server had just closed says nothing about the server: retry once.
    if (isStaleConnection(reply) && limit.reason() === undefined) {
      reply = await get(url, limit.signal, keepBody, options.tlsCa);
    }
    if (!reply.ok) return probeResult('down', startedAt, limit.reason() ?? describeError(reply.error));
    const extra = { status_code: reply.statusCode };
    const statusOk =
      spec.expectStatus !== undefined ? reply.statusCode === spec.expectStatus : reply.statusCode >= 200 && reply.statusCode < 300;
    if (!statusOk) {
      const redirect = reply.statusCode >= 300 && reply.statusCode < 400 ? ` (redirect to ${oneLine(reply.location ?? '?', 80)} not followed)` : '';
      return probeResult('down', startedAt, `HTTP ${reply.statusCode}${redirect}`, extra);
    }
    if (spec.expectBodyContains !== undefined && !reply.body!.includes(spec.expectBodyContains)) {
      return probeResult('down', startedAt, `HTTP ${reply.statusCode}, body lacks "${oneLine(spec.expectBodyContains, 40)}"`, extra);
    }
    return probeResult('up', startedAt, `HTTP ${reply.statusCode}`, extra);
  } finally {
    limit.dispose();
  }
}
