import { CompressionTypes, type Kafka, type KafkaMessage, type Message, type Producer } from 'kafkajs';
import type { Core, CoreState, Input } from '../../engine/core.js';
import type { Effects } from '../../engine/effects.js';
import type { AlertChange } from '../../engine/model/alert-change.js';
import type { DeliveryResult } from '../../engine/model/delivery-result.js';
import type { Event } from '../../engine/model/event.js';
import type { Notification } from '../../engine/model/notification.js';
import type { OutboxItem } from '../../engine/notify/outbox.js';
import type { ClusterTopics } from './cluster-topics.js';

/** One partition's state as the changelog holds it: the core's state after the transaction, and the input offset it covers. */
export interface PartitionSnapshot {
  readonly version: 1;
  readonly partition: number;
  /** The next events-topic offset to apply (the consumer offset committed with it). */
  readonly offset: string;
  /** The core's clock time. */
  readonly at: number;
  /** Bumped by every new owner: the fencing token of what the partition decides. */
  readonly generation: number;
  readonly core: CoreState;
}

/** A notification on the outbox topic: what a delivery worker sends, and the partition that gets the result. */
export interface OutboxMessage {
  readonly partition: number;
  readonly generation: number;
  readonly notification: Notification;
}

/** The header that marks an events-topic record as an input other than an event (its `t`). */
export const INPUT_HEADER = 'vigil-input';

/** What `PartitionOwner.open` needs. */
export interface PartitionOwnerOptions {
  readonly partition: number;
  readonly kafka: Kafka;
  readonly topics: ClusterTopics;
  /** A fresh core for this partition (its incident ids carry the partition). */
  readonly newCore: () => Core;
  readonly transactionTimeoutMs: number;
  /** Every alert change the owner decides (printed like a single vigil's). */
  readonly onChange: (change: AlertChange) => void;
  /** Told when a record of the events topic is not an input (it is skipped). */
  readonly onBadRecord: (offset: string, reason: string) => void;
  /** Told when a transaction failed; `fenced` when a newer owner holds the partition. */
  readonly onLost: (fenced: boolean, error: unknown) => void;
  /** The wall clock (tests may pass another). */
  readonly wall?: () => number;
}

/** kafkajs error types that say a newer producer with the same transactional id exists. */
const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);

/** Whether a kafkajs failure (possibly wrapped by its retrier) says this producer was fenced. */
export function isFenced(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 6 && e !== undefined && e !== null; depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && FENCED.has(type)) return true;
    if (/fenced|INVALID_PRODUCER_EPOCH|older epoch/i.test(String((e as { message?: unknown }).message ?? ''))) return true;
    e = (e as { cause?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return false;
}

function notificationOf(item: OutboxItem): Notification {
  return {
    key: item.key,
    channel: item.channel,
    kind: item.kind,
    time: item.time,
    step: item.step,
    incident: item.incident,
    ...(item.attempted === true ? { redelivery: true } : {}),
  };
}

/**
 * The engine of one partition while this instance owns it, after Kafka Streams' stream
 * task: the partition's records are applied to its own core, and what they change commits
 * in one Kafka transaction of the partition's transactional producer — the outbox
 * notifications, the core's new state on the changelog, and the input offset. A new owner
 * opening the same transactional id bumps the producer epoch, so a zombie owner's next
 * send or commit is refused by the broker and nothing it decided after that is seen. The
 * core's timers run on the wall clock; what they decide commits the same way.
 */
export class PartitionOwner {
  readonly partition: number;
  private core: Core;
  private generation = 0;
  /** Next events-topic offset to apply. */
  private nextOffset = 0n;
  private committedOffset = 0n;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly wall: () => number;

  private constructor(
    private readonly options: PartitionOwnerOptions,
    private readonly producer: Producer,
  ) {
    this.partition = options.partition;
    this.core = options.newCore();
    this.wall = options.wall ?? Date.now;
  }

  /**
   * Connects the partition's transactional producer and fences every older one (its open
   * transaction is aborted by the broker). Call `restore` with the changelog's newest
   * state afterwards: only now can nothing newer be committed by anyone else.
   */
  static async open(options: PartitionOwnerOptions): Promise<PartitionOwner> {
    const producer = options.kafka.producer({
      transactionalId: options.topics.transactionalId(options.partition),
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: options.transactionTimeoutMs,
    });
    await producer.connect();
    try {
      // Beginning a transaction sends InitProducerId for the transactional id: the fence.
      const tx = await producer.transaction();
      await tx.abort();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
    return new PartitionOwner(options, producer);
  }

  /** Starts from the changelog's newest state (none: a fresh partition), then goes live. */
  restore(snapshot: PartitionSnapshot | undefined): void {
    const at = this.time();
    if (snapshot !== undefined) {
      this.core.restore(snapshot.core, snapshot.at);
      this.nextOffset = this.committedOffset = BigInt(snapshot.offset);
      this.generation = snapshot.generation + 1;
    } else this.generation = 1;
    // Idempotent: rules get their start (absence counts from here); timers due while nobody owned the partition fire now.
    const effects = this.core.apply({ t: 'start', at });
    this.chain = this.commit([effects], null);
  }

  /** The core (read by the API on this instance). */
  get state(): Core {
    return this.core;
  }

  /** The partition's generation: each owner's is one more than the last one's. */
  get fencingToken(): number {
    return this.generation;
  }

  /** The offset the changelog and the consumer group hold for this partition: where a re-read starts. */
  get committed(): string {
    return this.committedOffset.toString();
  }

  /**
   * Applies a fetched batch of the partition's records in order and commits the outcome in
   * one transaction. Resolves false when the transaction failed (the owner is then closed).
   */
  process(messages: readonly KafkaMessage[]): Promise<boolean> {
    return this.serial(() => {
      const effects: Effects<unknown>[] = [];
      let events: Event[] = [];
      const flushEvents = (): void => {
        if (events.length === 0) return;
        effects.push(this.core.apply({ t: 'events', at: this.time(), events }));
        events = [];
      };
      let last: bigint | null = null;
      for (const message of messages) {
        const offset = BigInt(message.offset);
        // Records a newer state already covers (a batch fetched before the restore).
        if (offset < this.nextOffset) continue;
        last = offset;
        const input = this.parse(message);
        if (input === undefined) continue;
        if ('stream' in input) {
          events.push(input);
          continue;
        }
        flushEvents();
        effects.push(this.core.apply(input));
      }
      flushEvents();
      if (last === null) return Promise.resolve(true);
      return this.commit(effects, last + 1n);
    });
  }

  /** Stops the timer and the producer; what is being committed ends first. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.chain.catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
  }

  private time(): number {
    return Math.max(this.wall(), this.core.now);
  }

  /** An events-topic record as an input: an event, or a delivery result from a worker. */
  private parse(message: KafkaMessage): Event | Input | undefined {
    const header = message.headers?.[INPUT_HEADER];
    const kind = header === undefined ? undefined : String(header);
    let value: unknown;
    try {
      value = JSON.parse(message.value?.toString('utf8') ?? '');
    } catch {
      this.options.onBadRecord(message.offset, 'not JSON');
      return undefined;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.options.onBadRecord(message.offset, 'not a JSON object');
      return undefined;
    }
    if (kind === undefined) {
      const e = value as { stream?: unknown; time?: unknown };
      if (typeof e.stream !== 'string' || typeof e.time !== 'number') {
        this.options.onBadRecord(message.offset, 'an event needs a string stream and a numeric time');
        return undefined;
      }
      return value as Event;
    }
    if (kind === 'delivery') {
      const r = value as Partial<DeliveryResult>;
      if (typeof r.channel !== 'string' || !Array.isArray(r.keys) || typeof r.ok !== 'boolean' || typeof r.attempt !== 'number') {
        this.options.onBadRecord(message.offset, 'a delivery result needs channel, keys, ok and attempt');
        return undefined;
      }
      return { t: 'delivery', at: this.time(), result: r as DeliveryResult };
    }
    this.options.onBadRecord(message.offset, `unknown input ${JSON.stringify(kind.slice(0, 40))}`);
    return undefined;
  }

  /** Runs `task` after the ones before it: records and timers of one partition never interleave. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The core's next timer, on the wall clock; what it decides commits like a batch. */
  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const due = this.core.nextDeadline;
    if (due === null || this.closed) return;
    const delay = Math.min(Math.max(0, due - this.wall()), 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.serial(() => {
        if (this.closed) return Promise.resolve(true);
        const effects = this.core.advance(this.time());
        // Timers that decide nothing outside (a window sliding) commit with the next batch.
        if (effects.notifications.length === 0 && effects.changes.length === 0) {
          this.arm();
          return Promise.resolve(true);
        }
        return this.commit([effects], null);
      });
    }, delay);
    this.timer.unref();
  }

  /**
   * One transaction: the effects' notifications to the outbox, the state to the changelog,
   * and (after records) the input offset to the engine group. Changes are told once it
   * committed, so what a fenced owner decided is never printed.
   */
  private async commit(effects: readonly Effects<unknown>[], offset: bigint | null): Promise<boolean> {
    if (this.closed) return false;
    const { topics } = this.options;
    const outbox: Message[] = [];
    const changes: AlertChange[] = [];
    for (const e of effects) {
      changes.push(...e.changes);
      for (const item of e.notifications) {
        const value: OutboxMessage = { partition: this.partition, generation: this.generation, notification: notificationOf(item) };
        outbox.push({ key: item.key, value: JSON.stringify(value) });
      }
    }
    const next = offset ?? this.nextOffset;
    const snapshot: PartitionSnapshot = { version: 1, partition: this.partition, offset: next.toString(), at: this.core.now, generation: this.generation, core: this.core.snapshot() };
    let tx: Awaited<ReturnType<Producer['transaction']>> | undefined;
    try {
      tx = await this.producer.transaction();
      if (outbox.length > 0) await tx.send({ topic: topics.outbox, messages: outbox });
      await tx.send({
        topic: topics.changelog,
        compression: CompressionTypes.GZIP,
        messages: [{ key: `p${this.partition}`, partition: this.partition, value: JSON.stringify(snapshot) }],
      });
      if (offset !== null) {
        await tx.sendOffsets({ consumerGroupId: topics.engineGroup, topics: [{ topic: topics.events, partitions: [{ partition: this.partition, offset: next.toString() }] }] });
      }
      await tx.commit();
    } catch (error) {
      await tx?.abort().catch(() => undefined);
      this.closed = true;
      clearTimeout(this.timer);
      this.options.onLost(isFenced(error), error);
      return false;
    }
    this.nextOffset = this.committedOffset = next;
    for (const change of changes) this.options.onChange(change);
    this.arm();
    return true;
  }
}
