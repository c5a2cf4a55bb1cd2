/**
 * A per-operation abort signal with a time limit, tied to a long-lived parent signal.
 */

import { onAbort } from './abort-hook.js';

/** A per-send signal: aborts when the caller's does or when the time is up. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Whether the time ran out (rather than the caller aborting). */
  expired(): boolean;
  /** Stops the timer and unhooks from the caller's signal. */
  dispose(): void;
}

/**
 * Not `AbortSignal.any([signal, AbortSignal.timeout(ms)])`: on Node 20 a long-lived source
 * signal (the pipeline's) keeps a reference to every signal derived from it, so each send
 * would leak a little for as long as the engine runs. However many deadlines are open on
 * one parent at a time, the parent has one listener (see `abort-hook.ts`).
 */
export function deadline(signal: AbortSignal, timeoutMs: number): Deadline {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  const unhook = onAbort(signal, () => {
    clearTimeout(timer);
    controller.abort(signal.reason);
  });
  return {
    signal: controller.signal,
    expired: () => expired,
    dispose() {
      clearTimeout(timer);
      unhook();
    },
  };
}
