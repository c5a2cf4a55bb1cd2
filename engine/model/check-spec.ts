/**
 * An active probe as the engine runs it, compiled from a `check` declaration. Each result is
 * a `health` event that goes through the same pipeline as ingested events.
 */
export interface CheckSpec {
  readonly name: string;
  readonly kind: 'http' | 'tcp' | 'tls' | 'exec';
  /** URL for http, `host:port` for tcp and tls; empty for exec. */
  readonly target: string;
  /** Program and arguments for exec (never run through a shell); empty otherwise. */
  readonly argv: readonly string[];
  readonly everyMs: number;
  readonly timeoutMs: number;
  /** http: the status that means up; without it any 2xx is up. */
  readonly expectStatus?: number;
  /** http: text the body must contain to be up. */
  readonly expectBodyContains?: string;
  readonly host?: string;
  readonly service?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** Default timeout of a check without one: its interval, at most 10 s. */
export function defaultCheckTimeoutMs(everyMs: number): number {
  return Math.min(everyMs, 10_000);
}

/** The time limit of one run of `spec`: its timeout, or the default for a spec built without one. */
export function probeTimeoutMs(spec: Pick<CheckSpec, 'timeoutMs' | 'everyMs'>): number {
  return spec.timeoutMs > 0 ? spec.timeoutMs : defaultCheckTimeoutMs(spec.everyMs);
}
