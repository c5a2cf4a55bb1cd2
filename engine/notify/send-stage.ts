import { SinkError, type Sink } from '../notification.js';
import type { Stage } from './stage.js';

/** Hands the batch to the channel's sink, with a time limit; a missing sink is a config error. */
export function sendStage(options: { sink: Sink | undefined; timeoutMs: number }): Stage {
  return {
    async run(batch, ctx) {
      const sink = options.sink;
      if (sink === undefined) throw new SinkError('config', false, `no sink for channel ${ctx.channel}`);
      const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(options.timeoutMs)]);
      try {
        await sink.send(batch, signal);
      } catch (e) {
        if (e instanceof SinkError) throw e;
        if (ctx.signal.aborted) throw new SinkError('aborted', true, 'delivery aborted', { cause: e });
        if (signal.aborted) throw new SinkError('timeout', true, `sending to ${ctx.channel} timed out`, { cause: e });
        throw new SinkError('connection', true, `sending to ${ctx.channel} failed: ${(e as Error).message}`, { cause: e });
      }
      return [];
    },
  };
}
