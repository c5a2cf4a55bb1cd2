/**
 * The event model: one validated, flat fact. Everything past the intake edge handles
 * `Event`s only, so rules never see malformed input.
 */

/** A scalar event value; `labels` is the only nested object. */
export type Scalar = string | number | boolean | null;

/** One validated event. `time` is event time in epoch milliseconds. */
export interface Event {
  readonly stream: string;
  readonly time: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly [field: string]: unknown;
}
