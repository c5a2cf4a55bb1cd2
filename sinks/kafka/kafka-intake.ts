import type { Source, SourceContext, SourceHealth } from '../../engine/model/source.js';
import { createKafkaSource, type KafkaSourceOptions } from './kafka-source.js';

/** What `createKafkaIntake` takes: the consumer's options (its way in comes from the service) and the lag alert. */
export interface KafkaIntakeOptions extends Omit<KafkaSourceOptions, 'submit' | 'onStats' | 'log'> {
  /** Above this many messages behind on some partition, `vigil_ingest_lag` fires. */
  readonly lagAlert: number;
  /** Wait between attempts while Kafka cannot be reached at start (default 5 s). */
  readonly retryMs?: number;
}

const DEFAULT_RETRY_MS = 5000;

/**
 * The Kafka consumer (`kafka-source.ts`) as one of the service's sources: its events go
 * to the intake queue (offsets are committed once they are journaled and applied; a full
 * queue holds the partition back), Kafka away at start is retried every `retryMs` like a
 * broker restart later, and a lag above `lagAlert` raises `vigil_ingest_lag` until it
 * falls back. Bad options fail at once, before anything starts.
 */
export function createKafkaIntake(options: KafkaIntakeOptions): Source {
  const { lagAlert, retryMs = DEFAULT_RETRY_MS, ...consumerOptions } = options;
  let ctx: SourceContext | undefined;
  let health: SourceHealth = { up: false, detail: 'not started' };
  let lagging = false;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const consumer = createKafkaSource({
    ...consumerOptions,
    submit: async (events, json) => {
      const queued = ctx!.submit(events, json);
      if (queued === 'busy') return 'busy';
      await queued;
      return 'ok';
    },
    onStats: (stats) => {
      const worst = Math.max(0, ...stats.lag.values());
      const over = worst > lagAlert;
      if (over || lagging) ctx!.selfAlert('vigil_ingest_lag', over, `Kafka consumer lag ${worst} messages (alert above ${lagAlert})`);
      lagging = over;
    },
    log: (line) => ctx?.log(line),
  });

  function connect(): void {
    consumer.start().then(
      () => (health = { up: true }),
      (e: unknown) => {
        if (stopped) return;
        const reason = (e as Error).message;
        health = { up: false, detail: reason };
        ctx!.log(`kafka: cannot start consuming (${reason}); retrying in ${retryMs / 1000}s`);
        retry = setTimeout(connect, retryMs);
      },
    );
  }

  return {
    name: 'kafka',
    async start(context) {
      ctx = context;
      connect();
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      // The chunk in flight still goes through the intake queue, so its offsets get committed.
      await consumer.stop();
      health = { up: false, detail: 'stopped' };
    },
    health: () => health,
  };
}
