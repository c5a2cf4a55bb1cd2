import { DURATION_SOURCE } from '../engine/model/duration.js';

/**
 * The `cluster` section of `vigil.yaml`: with `enabled`, every `vigil run` that shares
 * `kafka.brokers` and `topicPrefix` joins one consumer group and runs the engine for the
 * partitions of the events topic it owns.
 */
export interface ClusterConfig {
  readonly enabled: boolean;
  /** Prefix of the cluster's topics (`<prefix>-events`, `-changelog`, `-outbox`) and groups. */
  readonly topicPrefix: string;
  /** Partitions of the events topic when vigil creates it: the most instances that share the work. */
  readonly partitions: number;
  /**
   * Event fields whose values key the events topic; events with the same values meet on one
   * partition. Empty: the `by` fields every rule shares.
   */
  readonly partitionBy: readonly string[];
  /** Longest a partition's transaction may stay open before the broker aborts it. */
  readonly transactionTimeout: string;
}

/** JSON Schema of the `cluster` section (every key has a default, unknown keys are errors). */
export const clusterConfigSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    enabled: { type: 'boolean', default: false },
    topicPrefix: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,200}$', default: 'vigil' },
    partitions: { type: 'integer', minimum: 1, maximum: 1000, default: 6 },
    partitionBy: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$' }, default: [] },
    transactionTimeout: { type: 'string', pattern: `^${DURATION_SOURCE}$`, default: '60s' },
  },
} as const;
