import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { PartitionSnapshot } from './partition-owner.js';

/** What `StateReader.start` needs. */
export interface StateReaderOptions {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly topic: string;
  /** Prefix of the reader's own consumer group (each instance reads the whole changelog). */
  readonly groupPrefix: string;
  readonly log: (line: string) => void;
}

/** The newest committed state of one partition, as read. */
interface Latest {
  readonly offset: string;
  readonly text: string;
  parsed?: PartitionSnapshot;
}

/**
 * Every instance reads the whole changelog (committed transactions only), keeping the
 * newest state of every partition: a new owner restores from it without a read of its own
 * (after Kafka Streams' standby replicas), and the API answers from it on any instance.
 */
export class StateReader {
  private readonly latest = new Map<number, Latest>();
  /** Next changelog offset to read, per partition (control records included). */
  private readonly position = new Map<number, bigint>();
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly options: StateReaderOptions,
    private readonly consumer: Consumer,
  ) {}

  /** Joins a group of its own and reads the changelog from its start. */
  static async start(options: StateReaderOptions): Promise<StateReader> {
    const consumer = options.kafka.consumer({ groupId: `${options.groupPrefix}-${randomUUID()}`, readUncommitted: false, maxBytesPerPartition: 64 * 1024 * 1024, maxWaitTimeInMs: 200 });
    const reader = new StateReader(options, consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: true });
    // Also emitted for batches of only control records and aborted ones, which eachBatch never sees.
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => reader.advance(e.payload.partition, BigInt(e.payload.lastOffset) + 1n));
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          if (m.value === null) continue;
          reader.latest.set(batch.partition, { offset: m.offset, text: m.value.toString('utf8') });
        }
        reader.advance(batch.partition, BigInt(batch.lastOffset()) + 1n);
      },
    });
    return reader;
  }

  /** The newest state of a partition read so far (undefined: none yet). */
  snapshot(partition: number): PartitionSnapshot | undefined {
    const l = this.latest.get(partition);
    if (l === undefined) return undefined;
    if (l.parsed === undefined) {
      try {
        l.parsed = JSON.parse(l.text) as PartitionSnapshot;
      } catch (error) {
        this.options.log(`cluster: the changelog's state of partition ${partition} at offset ${l.offset} is not JSON (${String(error)}); it is skipped`);
        return undefined;
      }
    }
    return l.parsed;
  }

  /** Partitions with a state read, and the offset of the record it came from. */
  versions(): ReadonlyMap<number, string> {
    return new Map([...this.latest].map(([p, l]) => [p, l.offset]));
  }

  /**
   * Resolves once everything committed on the partition's changelog up to now has been
   * read: after a new owner fenced the old one, that is the newest state there can be.
   */
  async caughtUp(partition: number, signal: AbortSignal): Promise<void> {
    const offsets = await this.options.admin.fetchTopicOffsets(this.options.topic);
    const end = BigInt(offsets.find((o) => o.partition === partition)?.high ?? '0');
    while ((this.position.get(partition) ?? 0n) < end) {
      if (signal.aborted) throw new Error('stopped');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        // A bound on each wait so the abort is noticed; the reader wakes it sooner.
        setTimeout(resolve, 250).unref();
      });
    }
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }

  private advance(partition: number, next: bigint): void {
    if (next > (this.position.get(partition) ?? 0n)) this.position.set(partition, next);
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }
}
