import type { CheckSpec } from '../../engine/model/check-spec.js';

/**
 * Fields a probe adds to its `health` event beside the common ones: `status_code` (http),
 * `days_left` (tls), `exit_code` and `output` (exec). A field whose value is unknown (no
 * response, no certificate, killed before exiting) is left out, so rules see it as missing.
 */
export type ProbeExtra = Readonly<Record<string, string | number>>;

/** What one run of a check found; becomes one `health` event. */
export interface ProbeResult {
  readonly status: 'up' | 'down';
  /** Time from the start of the probe to its verdict, in milliseconds (0.1 ms precision). */
  readonly latencyMs: number;
  /** Short text for people: `HTTP 503`, `connect ECONNREFUSED ...`, `timeout after 2000 ms`. */
  readonly message: string;
  readonly extra: ProbeExtra;
}

/** Settings of a probe that are not part of the language (so not in `CheckSpec`). */
export interface ProbeOptions {
  /**
   * Certificates (PEM) to trust instead of the system's CAs for https and tls probes: a
   * private CA, or a test's self-signed certificate. Verification itself is never turned off.
   */
  readonly tlsCa?: string | Buffer;
}

/** Runs one check once. Never rejects: every failure is a `down` result with a message. */
export type Probe = (spec: CheckSpec, signal: AbortSignal, options?: ProbeOptions) => Promise<ProbeResult>;

/**
 * Builds a result whose latency runs from `startedAt` (a `performance.now()` reading) to
 * now, so every probe measures and rounds latency the same way.
 */
export function probeResult(status: 'up' | 'down', startedAt: number, message: string, extra: ProbeExtra = {}): ProbeResult {
  const latencyMs = Math.round((performance.now() - startedAt) * 10) / 10;
  return { status, latencyMs, message, extra };
}
