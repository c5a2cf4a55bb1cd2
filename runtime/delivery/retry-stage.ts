import { setTimeout as sleep } from 'node:timers/promises';
import { SinkError } from '../../engine/model/notification.js';
import { onAbort } from '../abort-hook.js';
import type { Stage } from './stage.js';

/** Exponential backoff: base, 2×base, 4×base ... capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** (attempt - 1));
}

/**
 * Waits `ms` of wall time; an abort ends the wait early (the caller then sees the signal).
 * The sleep gets a signal of its own, hooked to the pipeline's through `abort-hook.ts`, so
 * many sleeping batches put one listener on the pipeline's signal, not one each.
 */
async function backoff(ms: number, signal: AbortSignal): Promise<void> {
  const own = new AbortController();
  const unhook = onAbort(signal, () => own.abort());
  try {
    await sleep(ms, undefined, { signal: own.signal });
  } catch (e) {
    if (!own.signal.aborted) throw e;
  } finally {
    unhook();
  }
}

/**
 * Runs `inner` until it succeeds (telling `ctx.onAttempt` before each try; tries after the
 * first are marked as redeliveries, since a failed try may still have reached the
 * receiver), retrying failures that can be retried with exponential backoff in wall time;
 * gives up after `maxAttempts` or at the first permanent failure.
 */
export function retryStage(options: { inner: Stage; maxAttempts: number; baseMs: number; maxMs: number }): Stage {
  const { inner, maxAttempts, baseMs, maxMs } = options;
  return {
    async run(batch, ctx) {
      for (let attempt = 1; ; attempt++) {
        const tried = attempt === 1 ? batch : batch.map((n) => (n.redelivery === true ? n : { ...n, redelivery: true }));
        ctx.onAttempt(
          tried.map((n) => n.key),
          attempt,
        );
        try {
          return await inner.run(tried, ctx);
        } catch (e) {
          // Shutting down: the batch stays in the outbox and goes out after the restart.
          if (ctx.signal.aborted) throw e;
          const retryable = e instanceof SinkError ? e.retryable : false;
          const final = !retryable || attempt >= maxAttempts;
          ctx.onAttemptFailed(e, attempt, final);
          if (final) throw e;
          await backoff(backoffMs(attempt, baseMs, maxMs), ctx.signal);
          if (ctx.signal.aborted) throw e;
        }
      }
    },
  };
}
