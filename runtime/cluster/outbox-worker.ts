import type { Consumer, Kafka, Producer } from 'kafkajs';
import type { DeliveryResult } from '../../engine/model/delivery-result.js';
import { SinkError, type Sink, type SinkFailureReason } from '../../engine/model/notification.js';
import { retryStage } from '../delivery/retry-stage.js';
import { sendStage } from '../delivery/send-stage.js';
import type { ClusterTopics } from './cluster-topics.js';
import { INPUT_HEADER, type OutboxMessage } from './partition-owner.js';

/** What `OutboxWorker.start` needs. */
export interface OutboxWorkerOptions {
  readonly kafka: Kafka;
  readonly topics: ClusterTopics;
  /** Produces the results back to the partitions' owners (idempotent). */
  readonly producer: Producer;
  readonly sinks: () => ReadonlyMap<string, Sink>;
  readonly delivery: { readonly maxAttempts: number; readonly backoffBaseMs: number; readonly backoffMaxMs: number; readonly sendTimeoutMs: number };
  readonly sessionTimeoutMs: number;
  /** Every attempt's outcome (for metrics). */
  readonly onDelivery: (result: DeliveryResult) => void;
  readonly log: (line: string) => void;
}

/**
 * A delivery worker: a member of the cluster's delivery group, it reads the outbox topic
 * (committed transactions only, so nothing a fenced owner decided), sends each
 * notification through its channel's sink with its idempotency key, retrying with
 * backoff, commits the outbox offset right after, and produces the result to the
 * partition's events, so the owner records `notified` on the timeline. A worker killed
 * between a send and that commit sends the notification again on the next worker, marked
 * as a redelivery with the same key.
 */
export class OutboxWorker {
  private readonly abort = new AbortController();

  private constructor(
    private readonly options: OutboxWorkerOptions,
    private readonly consumer: Consumer,
  ) {}

  static async start(options: OutboxWorkerOptions): Promise<OutboxWorker> {
    const consumer = options.kafka.consumer({
      groupId: options.topics.deliveryGroup,
      readUncommitted: false,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.max(300, Math.floor(options.sessionTimeoutMs / 5)),
      // A rebalance waits this long for members that were in the group when it began (a killed one never comes).
      rebalanceTimeout: Math.max(10_000, options.sessionTimeoutMs * 2),
      maxWaitTimeInMs: 100,
    });
    const worker = new OutboxWorker(options, consumer);
    consumer.on(consumer.events.CRASH, (e) => options.log(`cluster: delivery worker restarts after: ${String((e.payload as { error?: unknown }).error)}`));
    await consumer.connect();
    await consumer.subscribe({ topic: options.topics.outbox, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 8,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        for (const m of batch.messages) {
          if (!isRunning() || isStale() || worker.abort.signal.aborted) return;
          await worker.deliver(m.value?.toString('utf8') ?? '', m.offset);
          const next = (BigInt(m.offset) + 1n).toString();
          // Committed before the next send: a crash repeats at most the one in flight.
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
          resolveOffset(m.offset);
          await heartbeat();
        }
      },
    });
    return worker;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.consumer.disconnect().catch(() => undefined);
  }

  private async deliver(text: string, offset: string): Promise<void> {
    let message: OutboxMessage;
    try {
      message = JSON.parse(text) as OutboxMessage;
      if (typeof message.partition !== 'number' || typeof message.notification?.key !== 'string') throw new Error('no partition or key');
    } catch (error) {
      this.options.log(`cluster: outbox record at offset ${offset} is not a notification (${error instanceof Error ? error.message : String(error)}); skipped`);
      return;
    }
    const { notification } = message;
    const channel = notification.channel;
    const d = this.options.delivery;
    let result: DeliveryResult | undefined;
    let lastAttempt = 0;
    const pipeline = retryStage({ inner: sendStage({ sink: this.options.sinks().get(channel), timeoutMs: d.sendTimeoutMs }), maxAttempts: d.maxAttempts, baseMs: d.backoffBaseMs, maxMs: d.backoffMaxMs });
    try {
      await pipeline.run([notification], {
        channel,
        signal: this.abort.signal,
        onAttempt: () => undefined,
        onAttemptFailed: (error, attempt, final) => {
          lastAttempt = attempt;
          const reason: SinkFailureReason = error instanceof SinkError ? error.reason : 'connection';
          const failed: DeliveryResult = { channel, keys: [notification.key], ok: false, attempt, reason, message: error instanceof Error ? error.message : String(error), final };
          this.options.onDelivery(failed);
          if (final) result = failed;
        },
      });
      result = { channel, keys: [notification.key], ok: true, attempt: lastAttempt + 1 };
      this.options.onDelivery(result);
    } catch {
      // Given up (reported through onAttemptFailed), or stopping: the offset is not committed then.
      if (this.abort.signal.aborted) throw new Error('stopping');
    }
    if (result === undefined) return;
    await this.options.producer.send({
      topic: this.options.topics.events,
      acks: -1,
      messages: [{ partition: message.partition, key: `delivery:${notification.key}`, value: JSON.stringify(result), headers: { [INPUT_HEADER]: 'delivery' } }],
    });
  }
}
