import { Core, type CoreRules } from '../engine/core.js';
import type { DeliveryResult } from '../engine/model/delivery-result.js';
import type { AlertChange } from '../engine/model/alert-change.js';
import type { Sink } from '../engine/model/notification.js';
import { ErrorCode, VigilError } from '../engine/model/errors.js';
import type { RuleSpec } from '../engine/rule-spec.js';
import { ClusterNode } from '../runtime/cluster/cluster-node.js';
import { incidentPrefix } from '../runtime/cluster/cluster-view.js';
import { defaultPartitionBy, partitionKeyOf } from '../runtime/cluster/partition-key.js';
import { deliveryOptions, durationMs, type Config } from './config.js';

/** What the service hands the cluster part: the rules and channels in force, and where changes and lines go. */
export interface ClusterPartOptions {
  readonly config: Config;
  readonly rules: () => CoreRules;
  readonly sinks: () => ReadonlyMap<string, Sink>;
  readonly incidentUrl: (id: string) => string;
  readonly onChange: (change: AlertChange) => void;
  readonly onDelivery: (result: DeliveryResult) => void;
  readonly log: (line: string) => void;
}

/** The fields events are keyed by: `cluster.partitionBy`, or the `by` fields every rule shares. */
export function clusterPartitionBy(config: Config, rules: readonly RuleSpec[]): string[] {
  return config.cluster.partitionBy.length > 0 ? [...config.cluster.partitionBy] : defaultPartitionBy(rules);
}

/**
 * Starts this instance's part of the cluster when `cluster.enabled` (undefined otherwise):
 * each partition's core is built like the single vigil's, with the same limits, its
 * incident ids prefixed with its partition.
 */
export async function startClusterPart(options: ClusterPartOptions): Promise<ClusterNode | undefined> {
  const { config, log } = options;
  if (!config.cluster.enabled) return undefined;
  if (config.kafka.brokers.length === 0) throw new VigilError(ErrorCode.Config, 'cluster.enabled needs kafka.brokers');
  const partitionBy = clusterPartitionBy(config, options.rules().rules);
  log(`cluster: events keyed by ${partitionBy.length === 0 ? '(nothing: one partition does all)' : partitionBy.join(', ')}`);
  return ClusterNode.start({
    brokers: config.kafka.brokers,
    clientId: config.kafka.clientId,
    topicPrefix: config.cluster.topicPrefix,
    partitions: config.cluster.partitions,
    keyOf: partitionKeyOf(partitionBy),
    sessionTimeoutMs: durationMs(config.kafka.sessionTimeout),
    transactionTimeoutMs: durationMs(config.cluster.transactionTimeout),
    maxQueuedEvents: config.http.maxQueuedEvents,
    newCore: (partition) =>
      new Core({
        rules: options.rules(),
        externalChannels: config.notifications.alertsChannels,
        incidentUrl: options.incidentUrl,
        maxGroupsPerRule: config.engine.maxGroupsPerRule,
        latenessMs: durationMs(config.time.lateness),
        maxFutureMs: durationMs(config.time.maxFuture),
        maxLabelValueLength: config.engine.maxLabelValueLength,
        dryRun: config.playbooks.dryRun,
        paused: config.playbooks.paused,
        incidentIdPrefix: incidentPrefix(partition),
      }),
    sinks: options.sinks,
    delivery: deliveryOptions(config),
    onChange: options.onChange,
    onDelivery: options.onDelivery,
    log,
  });
}
