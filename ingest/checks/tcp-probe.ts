import net from 'node:net';
import { probeTimeoutMs, type CheckSpec } from '../../engine/model/check-spec.js';
import { deadline } from '../../runtime/deadline.js';
import { parseHostPort } from './host-port.js';
import { describeError, oneLine } from './probe-error.js';
import { probeResult, type ProbeResult } from './probe.js';

/**
 * The tcp check: up iff a TCP connection to `host:port` is established within the check's
 * timeout; the connection is closed at once without sending anything. Never rejects.
 */
export function tcpProbe(spec: CheckSpec, signal: AbortSignal): Promise<ProbeResult> {
  const startedAt = performance.now();
  const target = parseHostPort(spec.target);
  if (target === undefined) return Promise.resolve(probeResult('down', startedAt, `invalid target (want host:port): ${oneLine(spec.target, 100)}`));
  const limit = deadline(signal, probeTimeoutMs(spec));
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.host, port: target.port });
    let settled = false;
    const finish = (status: 'up' | 'down', message: string): void => {
      if (settled) return;
      settled = true;
      limit.dispose();
      socket.destroy();
      resolve(probeResult(status, startedAt, message));
    };
    socket.once('connect', () => finish('up', 'connected'));
    socket.once('error', (error) => finish('down', limit.reason() ?? describeError(error)));
    limit.signal.addEventListener('abort', () => finish('down', limit.reason() ?? 'aborted'), { once: true });
  });
}
