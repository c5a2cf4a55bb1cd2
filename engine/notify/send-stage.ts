import { SinkError, type Sink } from '../notification.js';
import type { Stage } from './stage.js';

/**
 * Hands the batch to the channel's sink with a time limit; a missing sink is a config error.
 * Each send gets its own AbortController tied to the pipeline's signal and removed after,
 * because signals derived with AbortSignal.any stay attached to a long-lived parent on Node 20.
 */
export function sendStage(options: { sink: Sink | undefined; timeoutMs: number }): Stage {
  return {
    async run(batch, ctx) {
      const sink = options.sink;
      if (sink === undefined) throw new SinkError('config', false, `no sink for channel ${ctx.channel}`);
      const controller = new AbortController();
      const onAbort = (): void => controller.abort();
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, options.timeoutMs);
      try {
        await sink.send(batch, controller.signal);
      } catch (e) {
        if (e instanceof SinkError) throw e;
        if (ctx.signal.aborted) throw new SinkError('aborted', false, 'delivery aborted', { cause: e });
        if (timedOut) throw new SinkError('timeout', true, `sending to ${ctx.channel} timed out`, { cause: e });
        throw new SinkError('connection', true, `sending to ${ctx.channel} failed: ${(e as Error).message}`, { cause: e });
      } finally {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
      }
      return [];
    },
  };
}
