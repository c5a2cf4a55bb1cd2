/**
 * A real HTTP server for webhook tests (node:http on 127.0.0.1, a free port): records every
 * request and answers 200 unless told to answer other statuses or to take its time.
 */

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as received. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  /** Header values by lower-case name. */
  readonly headers: IncomingHttpHeaders;
  /** The body exactly as received (what a signature covers). */
  readonly body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
}

/** A running receiver. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:PORT/hook`. */
  readonly url: string;
  /** `http://127.0.0.1:PORT`, for building other URLs. */
  readonly origin: string;
  /** Requests received so far, in order (recorded before they are answered). */
  readonly requests: readonly ReceivedRequest[];
  /** Answer the next `times` requests with `status`. */
  respond(status: number, times?: number): void;
  /** Answer the next `times` requests only after `delayMs` (until `stop`). */
  delay(delayMs: number, times?: number): void;
  stop(): Promise<void>;
}

interface Plan {
  status: number;
  delayMs: number;
  times: number;
}

/** Starts a receiver on 127.0.0.1 at a free port. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const plans: Plan[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json });
      const plan = plans.find((p) => p.times > 0);
      if (plan) plan.times--;
      const answer = () => {
        res.statusCode = plan?.status ?? 200;
        if (res.statusCode >= 300 && res.statusCode < 400) res.setHeader('location', 'http://127.0.0.1:9/elsewhere');
        res.end(res.statusCode < 300 ? 'ok' : 'no');
      };
      if (plan && plan.delayMs > 0) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, plan.delayMs);
        timers.add(timer);
      } else {
        answer();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/hook`,
    origin,
    requests,
    respond(status, times = 1) {
      plans.push({ status, delayMs: 0, times });
    },
    delay(delayMs, times = 1) {
      plans.push({ status: 200, delayMs, times });
    },
    stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Ends keep-alive and stalled connections so close() does not wait for them.
        server.closeAllConnections();
      });
    },
  };
}
