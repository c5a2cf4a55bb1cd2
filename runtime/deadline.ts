/**
 * A per-operation abort signal with a time limit, tied to a long-lived parent signal: the one
 * deadline helper of the notification sends, step executors and health-check probes.
 */

import { onAbort } from './abort-hook.js';

/** Longest delay `setTimeout` honours; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A per-operation signal: aborts when the caller's does or when the time is up, and remembers which. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Whether the time ran out (rather than the caller aborting first). */
  expired(): boolean;
  /** `timeout after N ms` or `aborted` once the signal fired; undefined before. */
  reason(): string | undefined;
  /** Stops the timer and unhooks from the caller's signal; call when the operation is over. */
  dispose(): void;
}

/**
 * Joins `signal` and a limit of `timeoutMs` into one signal. A caller's signal that already
 * aborted aborts it at once; the caller's reason is passed on, and running out of time aborts
 * with a `TimeoutError`. Limits beyond what a timer can hold (about 24.8 days) wait that long.
 *
 * Not `AbortSignal.any([signal, AbortSignal.timeout(ms)])`: on Node 20 a long-lived source
 * signal (the pipeline's, the scheduler's) keeps a reference to every signal derived from
 * it, so each operation would leak a little for as long as the engine runs. However many
 * deadlines are open on one parent at a time, the parent has one listener (see `abort-hook.ts`).
 */
export function deadline(signal: AbortSignal, timeoutMs: number): Deadline {
  const controller = new AbortController();
  let why: string | undefined;
  let expired = false;
  const timer = setTimeout(() => {
    if (why !== undefined) return;
    why = `timeout after ${timeoutMs} ms`;
    expired = true;
    controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
  }, Math.min(timeoutMs, MAX_TIMER_MS));
  const unhook = onAbort(signal, () => {
    clearTimeout(timer);
    if (why !== undefined) return;
    why = 'aborted';
    controller.abort(signal.reason);
  });
  return {
    signal: controller.signal,
    expired: () => expired,
    reason: () => why,
    dispose() {
      clearTimeout(timer);
      unhook();
    },
  };
}
