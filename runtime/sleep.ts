/**
 * The one way vigil's effectful code waits: `node:timers/promises` with a signal, so that a
 * wait is cut short by an abort (shutdown, a wake-up) instead of each place keeping its own
 * timer and listener bookkeeping.
 */
import { setTimeout as wait } from 'node:timers/promises';

/** What a wait listens to. */
export interface SleepOptions {
  /** Ends the wait early, without an error. */
  readonly signal?: AbortSignal;
  /** False: the pending timer does not keep the process alive. Default true. */
  readonly ref?: boolean;
}

/** Waits `ms`, or until `signal` aborts (already aborted: returns at once). Never rejects on abort. */
export async function sleep(ms: number, options: SleepOptions = {}): Promise<void> {
  try {
    await wait(ms, undefined, options);
  } catch (e) {
    if (options.signal?.aborted !== true) throw e;
  }
}

/** Waits for `promise` to settle, but at most `ms`: rejects if it rejects in time, and passes on no value. */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  const done = new AbortController();
  try {
    await Promise.race([promise, sleep(ms, { signal: done.signal })]);
  } finally {
    done.abort();
  }
}
