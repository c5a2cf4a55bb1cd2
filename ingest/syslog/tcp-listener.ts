import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Event } from '../../engine/model/event.js';
import type { ListenAddress } from './listen-address.js';
import type { ListenerIntake } from './listener-intake.js';
import type { ListenerFailure, SyslogListener } from './syslog-listener.js';
import type { SyslogMetrics } from './syslog-metrics.js';
import { StreamFramer } from './stream-framer.js';

/** What `createTcpListener` takes. */
export interface TcpListenerOptions {
  readonly address: ListenAddress;
  readonly intake: ListenerIntake;
  readonly metrics: SyslogMetrics;
  /** The engine clock's time, for messages without a timestamp. */
  readonly now: () => number;
  /** Largest frame in bytes; longer ones are malformed. */
  readonly maxMessageBytes: number;
  /** For `tls://`: the PEM certificate chain and key. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** Wait before offering a batch again while the intake queue is full. */
  readonly busyRetryMs: number;
  readonly onFailure: ListenerFailure;
  readonly log: (line: string) => void;
}

/**
 * A TCP or TLS syslog listener: each connection has its own RFC 6587 framer, each read
 * becomes one batch for the intake queue, and the connection reads on once that batch is
 * journaled and applied (a full queue makes it wait longer: TCP pushes back on the sender). A malformed frame is dropped alone
 * and the connection stays open.
 */
export function createTcpListener(options: TcpListenerOptions): SyslogListener {
  const { address, intake, metrics, now, maxMessageBytes, busyRetryMs } = options;
  const sockets = new Set<Socket>();
  const retries = new Set<NodeJS.Timeout>();
  let server: Server | undefined;
  let closed = false;
  let tlsErrorsLogged = 0;

  /**
   * Offers a batch until it is taken, and reads nothing more from the socket until it is
   * journaled and applied: one batch in flight per connection keeps each drain of the
   * intake queue (and its journal write) the size of a few reads, and pushes back on the sender.
   */
  function offer(events: Event[], socket: Socket): void {
    socket.pause();
    const taken = (done: Promise<void>): void => void done.then(() => !socket.destroyed && socket.resume());
    const first = intake.submit(events);
    if (first !== undefined) return taken(first);
    const retry = (): void => {
      const timer = setTimeout(() => {
        retries.delete(timer);
        if (closed) return;
        const done = intake.submit(events);
        if (done === undefined) return retry();
        taken(done);
      }, busyRetryMs);
      retries.add(timer);
    };
    retry();
  }

  function connection(socket: Socket): void {
    sockets.add(socket);
    metrics.connections(address.text, sockets.size);
    const framer = new StreamFramer(maxMessageBytes);
    let events: Event[] = [];
    let at = 0;
    const handler = { frame: (text: string) => intake.frame(text, events, at), malformed: (reason: string) => intake.malformed(reason) };
    socket.on('data', (chunk: Buffer) => {
      at = now();
      framer.push(chunk, handler);
      intake.countFrames();
      if (events.length === 0) return;
      const batch = events;
      events = [];
      offer(batch, socket);
    });
    socket.on('end', () => {
      at = now();
      framer.end(handler);
      intake.countFrames();
      if (events.length > 0) offer(events.splice(0), socket);
    });
    // A reset by the peer ends the connection like a close; nothing to report.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      metrics.connections(address.text, sockets.size);
    });
  }

  return {
    address,
    listen() {
      closed = false;
      const s = options.tls === undefined ? createTcpServer(connection) : createTlsServer({ cert: options.tls.cert, key: options.tls.key }, connection);
      if (options.tls !== undefined) {
        s.on('tlsClientError', (e: Error) => {
          // Said for the first few only: a scanner must not flood the log.
          if (tlsErrorsLogged++ < 5) options.log(`syslog ${address.text}: TLS handshake failed: ${e.message}`);
        });
      }
      return new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(address.port, address.host, () => {
          s.off('error', reject);
          s.on('error', (e: Error) => options.onFailure(e.message));
          server = s;
          resolve();
        });
      });
    },
    async close() {
      closed = true;
      for (const t of retries) clearTimeout(t);
      retries.clear();
      const s = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}
