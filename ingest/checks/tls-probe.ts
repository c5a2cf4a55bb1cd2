import net from 'node:net';
import tls from 'node:tls';
import { probeTimeoutMs, type CheckSpec } from '../../engine/model/check-spec.js';
import { deadline } from '../../runtime/deadline.js';
import { parseHostPort } from './host-port.js';
import { describeError, oneLine } from './probe-error.js';
import { probeResult, type ProbeOptions, type ProbeResult } from './probe.js';

const DAY_MS = 86_400_000;

/** Whole days from `nowMs` until `notAfterMs`, rounded down: negative once expired. */
export function daysLeft(notAfterMs: number, nowMs: number): number {
  return Math.floor((notAfterMs - nowMs) / DAY_MS);
}

/**
 * The tls check: a TLS handshake with `host:port`, sending the host name as SNI (not for an
 * IP address, which SNI does not allow), and verifying the certificate chain and the host
 * name against the system CAs (or `options.tlsCa`). Up iff the certificate verifies and has
 * not expired; adds `days_left` (whole days until its notAfter, negative once expired)
 * whenever the server presented a certificate, trusted or not, so expiry can be alerted on
 * before it happens.
 *
 * The handshake is completed without rejecting an untrusted certificate and Node's verdict
 * (`authorized`, `authorizationError`, host name included) is applied afterwards: that is
 * how the certificate of a failing server can still be read. Nothing is ever sent over the
 * connection, so not aborting the handshake early exposes nothing. Never rejects.
 */
export function tlsProbe(spec: CheckSpec, signal: AbortSignal, options: ProbeOptions = {}): Promise<ProbeResult> {
  const startedAt = performance.now();
  const target = parseHostPort(spec.target);
  if (target === undefined) return Promise.resolve(probeResult('down', startedAt, `invalid target (want host:port): ${oneLine(spec.target, 100)}`));
  const limit = deadline(signal, probeTimeoutMs(spec));
  return new Promise((resolve) => {
    const connectOptions: tls.ConnectionOptions = { host: target.host, port: target.port, rejectUnauthorized: false };
    if (net.isIP(target.host) === 0) connectOptions.servername = target.host;
    if (options.tlsCa !== undefined) connectOptions.ca = options.tlsCa;
    const socket = tls.connect(connectOptions);
    let settled = false;
    const finish = (status: 'up' | 'down', message: string, extra: Record<string, number> = {}): void => {
      if (settled) return;
      settled = true;
      limit.dispose();
      socket.destroy();
      resolve(probeResult(status, startedAt, message, extra));
    };
    socket.once('secureConnect', () => {
      const notAfterMs = Date.parse(socket.getPeerCertificate().valid_to ?? '');
      if (!Number.isFinite(notAfterMs)) {
        finish('down', 'no certificate presented');
        return;
      }
      const days = daysLeft(notAfterMs, Date.now());
      const extra = { days_left: days };
      const until = new Date(notAfterMs).toISOString().slice(0, 10);
      if (days < 0) finish('down', `certificate expired on ${until}`, extra);
      else if (!socket.authorized) finish('down', `certificate not trusted: ${String(socket.authorizationError)}`, extra);
      else finish('up', `certificate valid until ${until}`, extra);
    });
    socket.once('error', (error) => finish('down', limit.reason() ?? describeError(error)));
    limit.signal.addEventListener('abort', () => finish('down', limit.reason() ?? 'aborted'), { once: true });
  });
}
