import type { Admin } from 'kafkajs';

/** The topics and consumer groups of one vigil cluster, all named from its prefix. */
export interface ClusterTopics {
  /** Every accepted event, keyed by its partition key; the engine's input. */
  readonly events: string;
  /** Each partition's state after each transaction (compacted: the newest per partition stays). */
  readonly changelog: string;
  /** Notifications the engine decided to send, for the delivery workers. */
  readonly outbox: string;
  /** The consumer group whose members run the engine, one partition each at a time. */
  readonly engineGroup: string;
  /** The consumer group of the delivery workers. */
  readonly deliveryGroup: string;
  /** The transactional id of partition `p`'s producer: a new owner's fences the old one's. */
  readonly transactionalId: (partition: number) => string;
}

/** The names of a cluster's topics and groups. */
export function clusterTopics(prefix: string): ClusterTopics {
  return {
    events: `${prefix}-events`,
    changelog: `${prefix}-changelog`,
    outbox: `${prefix}-outbox`,
    engineGroup: `${prefix}-engine`,
    deliveryGroup: `${prefix}-delivery`,
    transactionalId: (partition) => `${prefix}-engine-p${partition}`,
  };
}

/** Largest state one partition writes in one changelog record (the broker refuses larger). */
export const MAX_STATE_BYTES = 64 * 1024 * 1024;

/**
 * Creates the cluster's topics when they do not exist yet, all with `partitions`
 * partitions: the changelog compacted and allowing `MAX_STATE_BYTES` records. An existing
 * topic is left as it is (its partition count wins).
 */
export async function ensureClusterTopics(admin: Admin, topics: ClusterTopics, partitions: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const wanted = [
    { topic: topics.events, numPartitions: partitions },
    {
      topic: topics.changelog,
      numPartitions: partitions,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'max.message.bytes', value: String(MAX_STATE_BYTES) },
        { name: 'min.compaction.lag.ms', value: '0' },
        { name: 'segment.ms', value: '600000' },
      ],
    },
    { topic: topics.outbox, numPartitions: partitions },
  ].filter((t) => !existing.has(t.topic));
  if (wanted.length === 0) return;
  try {
    await admin.createTopics({ topics: wanted.map((t) => ({ ...t, replicationFactor: -1 })), waitForLeaders: true });
  } catch (error) {
    // Another instance created them at the same time.
    if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS' && !/already exists/i.test(String(error))) throw error;
  }
}
