import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Event } from '../../engine/model/event.js';
import type { ListenAddress } from './listen-address.js';
import type { ListenerIntake } from './listener-intake.js';
import type { ListenerFailure, SyslogListener } from './syslog-listener.js';
import type { SyslogMetrics } from './syslog-metrics.js';

/** What `createUdpListener` takes. */
export interface UdpListenerOptions {
  readonly address: ListenAddress;
  readonly intake: ListenerIntake;
  readonly metrics: SyslogMetrics;
  readonly now: () => number;
  /** Largest datagram in bytes; longer ones are malformed. */
  readonly maxMessageBytes: number;
  /** Most messages held while the intake queue is full; past it they are dropped and counted. */
  readonly maxHeld: number;
  readonly busyRetryMs: number;
  readonly onFailure: ListenerFailure;
}

/**
 * A UDP syslog listener: one datagram is one message (a trailing line break or NUL is
 * dropped). Datagrams read in one turn of the event loop go to the intake queue as one
 * batch. UDP cannot hold the sender back, so while the queue is full up to `maxHeld`
 * messages wait and later ones are dropped and counted.
 */
export function createUdpListener(options: UdpListenerOptions): SyslogListener {
  const { address, intake, metrics, now, maxMessageBytes, maxHeld, busyRetryMs } = options;
  let socket: Socket | undefined;
  let batch: Event[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  let retry: NodeJS.Timeout | undefined;

  function flush(): void {
    scheduled = undefined;
    retry = undefined;
    intake.countFrames();
    if (batch.length === 0) return;
    if (intake.submit(batch) === undefined) {
      if (batch.length > maxHeld) {
        metrics.dropped(address.text, batch.length - maxHeld);
        batch.length = maxHeld;
      }
      retry = setTimeout(flush, busyRetryMs);
      return;
    }
    batch = [];
  }

  function message(msg: Buffer): void {
    if (msg.length > maxMessageBytes) intake.malformed(`a datagram of ${msg.length} bytes is over the limit of ${maxMessageBytes}`);
    else {
      let end = msg.length;
      while (end > 0 && (msg[end - 1] === 0x0a || msg[end - 1] === 0x0d || msg[end - 1] === 0)) end--;
      if (end > 0) intake.frame(msg.toString('utf8', 0, end), batch, now());
    }
    // While a retry waits, the batch grows until it is taken.
    if (scheduled === undefined && retry === undefined) scheduled = setImmediate(flush);
  }

  return {
    address,
    listen() {
      const s = createSocket({ type: isIPv6(address.host) ? 'udp6' : 'udp4' });
      s.on('message', message);
      return new Promise<void>((resolve, reject) => {
        s.once('error', (e) => {
          s.close();
          reject(e);
        });
        s.bind(address.port, address.host, () => {
          s.removeAllListeners('error');
          s.on('error', (e: Error) => options.onFailure(e.message));
          socket = s;
          resolve();
        });
      });
    },
    async close() {
      const s = socket;
      socket = undefined;
      if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
      clearImmediate(scheduled);
      clearTimeout(retry);
      scheduled = retry = undefined;
      // What was read is still offered once.
      intake.countFrames();
      if (batch.length > 0) intake.submit(batch);
      batch = [];
    },
  };
}
