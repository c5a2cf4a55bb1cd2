import { defaultCheckTimeoutMs } from '../../engine/model/check-spec.js';

/** Longest delay `setTimeout` honours; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One signal that ends a probe run, and why it ended. */
export interface ProbeDeadline {
  /** Aborts when the timeout passes or the caller's signal aborts, whichever comes first. */
  readonly signal: AbortSignal;
  /** `timeout after N ms` or `aborted` once the signal fired; undefined before. */
  reason(): string | undefined;
  /** Clears the timer and the listener on the caller's signal; call when the run is over. */
  dispose(): void;
}

/** What a deadline joins: the caller's signal and the check's timeout. */
export interface ProbeDeadlineOptions {
  /** The caller's signal (the scheduler aborts it on stop, reload or removal). */
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** Interval of the check, for the default timeout when `timeoutMs` is not positive. */
  readonly everyMs: number;
}

/**
 * Joins a check's timeout and the caller's signal into one per-run signal that remembers
 * which of the two fired, so a probe can say `timeout after 2000 ms` rather than an opaque
 * abort error. The per-run signal is dropped after the run, so nothing listens on the
 * long-lived caller signal once `dispose` ran.
 */
export function probeDeadline(options: ProbeDeadlineOptions): ProbeDeadline {
  const { signal } = options;
  const timeoutMs = options.timeoutMs > 0 ? options.timeoutMs : defaultCheckTimeoutMs(options.everyMs);
  const controller = new AbortController();
  let reason: string | undefined;
  const cut = (why: string): void => {
    if (reason !== undefined) return;
    reason = why;
    controller.abort();
  };
  const onAbort = (): void => cut('aborted');
  const timer = setTimeout(() => cut(`timeout after ${timeoutMs} ms`), Math.min(timeoutMs, MAX_TIMER_MS));
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    reason: () => reason,
    dispose() {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    },
  };
}
