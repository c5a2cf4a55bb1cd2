import type { CheckSpec } from '../../engine/model/check-spec.js';
import { execProbe } from './exec-probe.js';
import { httpProbe } from './http-probe.js';
import { describeError } from './probe-error.js';
import { probeResult, type ProbeOptions, type ProbeResult } from './probe.js';
import { tcpProbe } from './tcp-probe.js';
import { tlsProbe } from './tls-probe.js';

/**
 * Runs a check once with the probe of its kind. Probes never reject; should one ever
 * throw, the failure still becomes a `down` result, so one broken probe cannot stop the
 * scheduler.
 */
export async function runProbe(spec: CheckSpec, signal: AbortSignal, options: ProbeOptions = {}): Promise<ProbeResult> {
  const startedAt = performance.now();
  try {
    switch (spec.kind) {
      case 'http':
        return await httpProbe(spec, signal, options);
      case 'tcp':
        return await tcpProbe(spec, signal);
      case 'tls':
        return await tlsProbe(spec, signal, options);
      case 'exec':
        return await execProbe(spec, signal);
      default:
        return probeResult('down', startedAt, `unknown check kind ${String((spec as { kind: unknown }).kind)}`);
    }
  } catch (error) {
    return probeResult('down', startedAt, describeError(error));
  }
}
