/**
 * A per-operation abort signal with a time limit, tied to a long-lived parent signal.
 */

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
 * would leak a little for as long as the engine runs.
 */
export function deadline(signal: AbortSignal, timeoutMs: number): Deadline {
  const controller = new AbortController();
  let expired = false;
  const onAbort = () => controller.abort(signal.reason);
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    expired: () => expired,
    dispose() {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    },
  };
}
