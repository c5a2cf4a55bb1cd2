/**
 * Where one health check stands, for people (the API's `GET /v1/checks`, the console's
 * Checks page): its definition, its recent results and its next run. Plain data.
 */

/** One finished run of a check. */
export interface CheckResult {
  /** When the probe started (epoch ms). */
  readonly time: number;
  readonly status: string;
  readonly latencyMs: number;
  /** The probe's message; when down, the reason. */
  readonly message: string;
  /** TLS checks: days until the certificate expires. */
  readonly daysLeft?: number;
}

/** A check with its latest results, oldest first. */
export interface CheckStatus {
  readonly name: string;
  readonly kind: string;
  readonly target: string;
  readonly host: string | null;
  readonly service: string | null;
  readonly everyMs: number;
  /** When the next run is due (epoch ms); null before the checks start. */
  readonly nextRunAt: number | null;
  readonly results: readonly CheckResult[];
}
