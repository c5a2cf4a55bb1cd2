/**
 * The only source of time for `engine/` and `rules/`. Live runs use the wall clock, replay
 * and tests a virtual clock driven by event time, so the same code runs in both.
 */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
  /** Calls `fire` once the clock reaches `time` (at once if it already has); returns a cancel. */
  at(time: number, fire: () => void): () => void;
  /** Like `at` for a timer that is never cancelled; cheaper, for per-event paths. */
  schedule(time: number, fire: () => void): void;
}
