import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';

/** One server-sent event, or a comment line (`: heartbeat`). */
export interface SseMessage {
  readonly event?: string;
  readonly id?: string;
  readonly data?: string;
  readonly comment?: string;
}

/** A minimal server-sent-events reader over a real HTTP connection of its own. */
export interface SseClient {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The next message, waiting at most `timeoutMs`. */
  next(timeoutMs?: number): Promise<SseMessage>;
  /** The next `n` timeline events, skipping comments. */
  events(n: number, timeoutMs?: number): Promise<SseMessage[]>;
  /** Drops the connection. */
  close(): void;
}

/** Opens `url` as an event stream and resolves once the response headers arrived. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  // Its own socket (no agent), so closing the client closes exactly this connection.
  const req = request(url, { agent: false, headers: { accept: 'text/event-stream', ...headers } });
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve).on('error', reject);
    req.end();
  });
  const queue: SseMessage[] = [];
  const waiting: (() => void)[] = [];
  let ended = false;
  let buffer = '';

  const parse = (block: string): SseMessage => {
    const msg: Record<string, string> = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) msg.comment = line.slice(1).trim();
      else {
        const colon = line.indexOf(':');
        const field = line.slice(0, colon);
        const value = line.slice(colon + 1).replace(/^ /, '');
        msg[field] = field in msg ? `${msg[field]}\n${value}` : value;
      }
    }
    return msg;
  };

  void (async () => {
    res.setEncoding('utf8');
    try {
      for await (const chunk of res) {
        buffer += chunk as string;
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          queue.push(parse(buffer.slice(0, at)));
          buffer = buffer.slice(at + 2);
        }
        waiting.splice(0).forEach((wake) => wake());
      }
    } catch {
      // Closed by close(), or the server ended the stream.
    }
    ended = true;
    waiting.splice(0).forEach((wake) => wake());
  })();

  const next = async (timeoutMs = 2000): Promise<SseMessage> => {
    const deadline = Date.now() + timeoutMs;
    while (queue.length === 0) {
      if (ended) throw new Error('stream ended');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no message in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return queue.shift()!;
  };

  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    next,
    events: async (n, timeoutMs = 2000) => {
      const out: SseMessage[] = [];
      while (out.length < n) {
        const msg = await next(timeoutMs);
        if (msg.comment === undefined) out.push(msg);
      }
      return out;
    },
    close: () => req.destroy(),
  };
}

/** Waits until `check()` holds, polling, or fails after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
