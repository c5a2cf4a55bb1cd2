import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import type { Core, CoreRules } from '../../engine/core.js';
import type { CoreQueries } from '../../engine/core-queries.js';
import type { AlertChange } from '../../engine/model/alert-change.js';
import type { DeliveryResult } from '../../engine/model/delivery-result.js';
import type { Event } from '../../engine/model/event.js';
import type { Sink } from '../../engine/model/notification.js';
import type { IntakeQueue } from '../intake-queue.js';
import { createClusterIntake } from './cluster-intake.js';
import { clusterTopics, ensureClusterTopics, type ClusterTopics } from './cluster-topics.js';
import { clusterQueries } from './cluster-view.js';
import { OutboxWorker } from './outbox-worker.js';
import { PartitionOwner } from './partition-owner.js';
import { StateReader } from './state-reader.js';

/** What `ClusterNode.start` needs. */
export interface ClusterNodeOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly topicPrefix: string;
  /** Partitions of the topics when this instance creates them. */
  readonly partitions: number;
  /** The key of an event on the events topic (`cluster.partitionBy`). */
  readonly keyOf: (event: Event) => string;
  readonly sessionTimeoutMs: number;
  readonly transactionTimeoutMs: number;
  readonly maxQueuedEvents: number;
  /** A fresh core for partition `p`, with the rules in force. */
  readonly newCore: (partition: number) => Core;
  readonly sinks: () => ReadonlyMap<string, Sink>;
  readonly delivery: { readonly maxAttempts: number; readonly backoffBaseMs: number; readonly backoffMaxMs: number; readonly sendTimeoutMs: number };
  readonly onChange: (change: AlertChange) => void;
  readonly onDelivery: (result: DeliveryResult) => void;
  readonly log: (line: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

/**
 * One member of a vigil cluster on Kafka (after Kafka Streams): its intake produces every
 * event to the partitioned events topic; as a member of the engine group it runs a
 * `PartitionOwner` for each partition the group assigns it, restored from the newest
 * state the `StateReader` has read of the changelog once the old owner is fenced; its
 * `OutboxWorker` delivers what any owner committed; and its view answers the API over
 * every partition. Partitions move when members join, leave or stop answering (after
 * `kafka.sessionTimeout`).
 */
export class ClusterNode {
  readonly intake: IntakeQueue & { idle(): Promise<void> };
  private readonly owners = new Map<number, PartitionOwner>();
  private readonly opening = new Map<number, Promise<PartitionOwner | undefined>>();
  private assigned = new Set<number>();
  /** Partitions whose owner here was fenced: left alone until the group assigns again. */
  private readonly fenced = new Set<number>();
  /** Read-only cores restored from the changelog, for the view, by partition and record offset. */
  private readonly viewCores = new Map<number, { offset: string; core: Core }>();
  private readonly abort = new AbortController();
  private consumer: Consumer | undefined;
  private worker: OutboxWorker | undefined;
  private reader: StateReader | undefined;
  private partitionCount: number;

  private constructor(
    private readonly options: ClusterNodeOptions,
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly producer: Producer,
    readonly topics: ClusterTopics,
  ) {
    this.partitionCount = options.partitions;
    this.intake = createClusterIntake({ producer, topic: topics.events, keyOf: options.keyOf, maxQueuedEvents: options.maxQueuedEvents, log: options.log });
  }

  /** Creates the topics if needed, connects, and joins the groups; resolves once this instance takes events. */
  static async start(options: ClusterNodeOptions): Promise<ClusterNode> {
    const kafka = new Kafka({ clientId: options.clientId, brokers: [...options.brokers], logLevel: logLevel.NOTHING, retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 8 } });
    const admin = kafka.admin();
    await admin.connect();
    const topics = clusterTopics(options.topicPrefix);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const node = new ClusterNode(options, kafka, admin, producer, topics);
    try {
      await ensureClusterTopics(admin, topics, options.partitions);
      const meta = await admin.fetchTopicMetadata({ topics: [topics.events] });
      node.partitionCount = meta.topics[0]?.partitions.length ?? options.partitions;
      await producer.connect();
      node.reader = await StateReader.start({ kafka, admin, topic: topics.changelog, groupPrefix: `${options.topicPrefix}-view`, log: options.log });
      node.worker = await OutboxWorker.start({
        kafka,
        topics,
        producer,
        sinks: options.sinks,
        delivery: options.delivery,
        sessionTimeoutMs: options.sessionTimeoutMs,
        onDelivery: options.onDelivery,
        log: options.log,
      });
      await node.joinEngineGroup();
    } catch (error) {
      await node.stop();
      throw error;
    }
    return node;
  }

  /** Partitions this instance runs the engine for now. */
  owned(): number[] {
    return [...this.owners.keys()].sort((a, b) => a - b);
  }

  /** The API's questions over every partition: incidents and the timeline from all, the rest from `local`. */
  queries(local: CoreQueries): CoreQueries {
    return clusterQueries(local, {
      cores: () => {
        const out: Core[] = [];
        for (let p = 0; p < this.partitionCount; p++) {
          const c = this.coreOf(p);
          if (c !== undefined) out.push(c);
        }
        return out;
      },
      core: (p) => this.coreOf(p),
    });
  }

  /** New rules for the partitions owned here (new owners start with them through `newCore`). */
  reload(rules: CoreRules): void {
    for (const owner of this.owners.values()) owner.state.reload(rules);
    this.viewCores.clear();
  }

  /**
   * Leaves the engine group (its partitions move to the others at once), lets the
   * owners' last transactions end, then stops delivering and reading.
   */
  async stop(): Promise<void> {
    this.abort.abort();
    this.intake.close();
    await this.intake.idle();
    await this.consumer?.disconnect().catch(() => undefined);
    await Promise.all([...this.owners.values()].map((o) => o.close()));
    this.owners.clear();
    await this.worker?.stop();
    await this.reader?.stop();
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  private coreOf(partition: number): Core | undefined {
    const owner = this.owners.get(partition);
    if (owner !== undefined) return owner.state;
    const offset = this.reader?.versions().get(partition);
    if (offset === undefined) return undefined;
    const cached = this.viewCores.get(partition);
    if (cached?.offset === offset) return cached.core;
    const snapshot = this.reader!.snapshot(partition);
    if (snapshot === undefined) return cached?.core;
    const core = this.options.newCore(partition);
    core.restore(snapshot.core, snapshot.at);
    this.viewCores.set(partition, { offset, core });
    return core;
  }

  private async joinEngineGroup(): Promise<void> {
    const { options, topics } = this;
    const consumer = (this.consumer = this.kafka.consumer({
      groupId: topics.engineGroup,
      readUncommitted: false,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.max(300, Math.floor(options.sessionTimeoutMs / 5)),
      rebalanceTimeout: Math.max(10_000, options.sessionTimeoutMs * 2),
      maxWaitTimeInMs: 100,
    }));
    consumer.on(consumer.events.CRASH, (e) => options.log(`cluster: engine consumer restarts after: ${String((e.payload as { error?: unknown }).error)}`));
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const mine = (e.payload.memberAssignment as Record<string, number[]>)[topics.events] ?? [];
      this.reconcile(mine);
    });
    await consumer.connect();
    await consumer.subscribe({ topic: topics.events, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(1, this.partitionCount),
      eachBatch: async ({ batch, resolveOffset, heartbeat, isStale }) => {
        const p = batch.partition;
        const owner = await this.ownerOf(p, heartbeat);
        if (owner === undefined || isStale()) {
          // Not ours (yet): the batch is fetched again from the committed offset.
          await sleep(100);
          return;
        }
        if (await owner.process(batch.messages)) {
          resolveOffset(batch.lastOffset());
          await heartbeat();
          return;
        }
        // The transaction failed: the state in memory is ahead of what committed.
        if (this.owners.get(p) === owner) this.owners.delete(p);
        await owner.close();
        if (!this.fenced.has(p) && this.assigned.has(p) && !this.abort.signal.aborted) this.take(p);
      },
    });
  }

  /** The owner of `p` once it is open here, heartbeating while it restores; undefined when it is not ours. */
  private async ownerOf(partition: number, heartbeat: () => Promise<void>): Promise<PartitionOwner | undefined> {
    const owner = this.owners.get(partition);
    if (owner !== undefined) return owner;
    const opening = this.opening.get(partition);
    if (opening === undefined) return undefined;
    for (;;) {
      const done = await Promise.race([opening, sleep(1000).then(() => 'wait' as const)]);
      if (done !== 'wait') return done;
      await heartbeat().catch(() => undefined);
    }
  }

  /** Takes the partitions the group now assigns and lets go of the others. */
  private reconcile(partitions: readonly number[]): void {
    this.assigned = new Set(partitions);
    this.fenced.clear();
    for (const [p, owner] of this.owners) {
      if (this.assigned.has(p)) continue;
      this.owners.delete(p);
      void owner.close();
      this.options.log(`cluster: partition ${p} left`);
    }
    for (const p of partitions) if (!this.owners.has(p) && !this.opening.has(p)) this.take(p);
  }

  /** Fences the partition's old owner, waits for its newest state, restores it and goes live. */
  private take(partition: number): void {
    const { options, topics } = this;
    const opening = (async (): Promise<PartitionOwner | undefined> => {
      for (let attempt = 1; !this.abort.signal.aborted && this.assigned.has(partition); attempt++) {
        let owner: PartitionOwner | undefined;
        try {
          owner = await PartitionOwner.open({
            partition,
            kafka: this.kafka,
            topics,
            newCore: () => options.newCore(partition),
            transactionTimeoutMs: options.transactionTimeoutMs,
            onChange: options.onChange,
            onBadRecord: (offset, reason) => options.log(`cluster: partition ${partition} offset ${offset} skipped: ${reason}`),
            onLost: (fenced, error) => {
              if (fenced) this.fenced.add(partition);
              options.log(`cluster: partition ${partition} ${fenced ? 'was taken over by a newer owner (fenced)' : 'lost its transaction'}: ${error instanceof Error ? error.message : String(error)}`);
            },
          });
          await this.reader!.caughtUp(partition, this.abort.signal);
          const snapshot = this.reader!.snapshot(partition);
          owner.restore(snapshot);
          if (!this.assigned.has(partition) || this.abort.signal.aborted) {
            await owner.close();
            return undefined;
          }
          this.owners.set(partition, owner);
          this.viewCores.delete(partition);
          options.log(`cluster: partition ${partition} taken (generation ${owner.fencingToken}, from offset ${owner.committed})`);
          return owner;
        } catch (error) {
          await owner?.close();
          if (this.abort.signal.aborted) return undefined;
          options.log(`cluster: taking partition ${partition} failed (attempt ${attempt}): ${error instanceof Error ? error.message : String(error)}`);
          await sleep(Math.min(5000, 200 * attempt));
        }
      }
      return undefined;
    })().finally(() => {
      if (this.opening.get(partition) === opening) this.opening.delete(partition);
    });
    this.opening.set(partition, opening);
  }
}
