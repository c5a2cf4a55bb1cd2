import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { FastifyPluginAsync } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CoreQueries } from '../engine/core-queries.js';
import type { SourceHealth } from '../engine/model/source.js';
import type { ApiContext } from './context.js';

/**
 * What the service reports to Prometheus. The service calls the recording methods as things
 * happen; incident and rule-group gauges are read from the core at each scrape.
 */
export interface ApiMetrics {
  /** The registry `GET /metrics` serves (vigil's own, not prom-client's global one). */
  readonly registry: Registry;
  /** `n` events accepted at intake on `stream` ("unknown" when the event named none). */
  eventsReceived(stream: string | undefined, n: number): void;
  /** `n` events refused at intake (invalid, too late). */
  eventsRejected(stream: string | undefined, n: number): void;
  /** How long one intake batch took to run through the rules. */
  ruleEvaluation(seconds: number): void;
  /** One notification delivered to `channel`, or failed there for `reason`. */
  notification(channel: string, ok: boolean, reason?: string): void;
  /** Notifications waiting in the outbox. */
  queueDepth(n: number): void;
  /** One request or stream refused by a limit (`rate`, `streams`, `streams_per_client`; the engine's `rules`, `label_value_length`). */
  limitRefused(limit: string): void;
  /** `n` new groups of `rule` refused by its group cap. */
  groupsDropped(rule: string, n: number): void;
  /** Reads `vigil_incidents` and `vigil_rule_groups` from these queries at each scrape. */
  observe(queries: CoreQueries): void;
  /** Reads `vigil_source_up` from these sources' health at each scrape. */
  observeSources(sources: readonly { readonly name: string; health(): SourceHealth }[]): void;
  /** Stops the event-loop monitor. */
  close(): void;
}

/** Options of `createApiMetrics`; the defaults suit the service. */
export interface ApiMetricsOptions {
  /** Also export prom-client's default process and Node.js metrics (default true). */
  readonly defaultMetrics?: boolean;
  /** Most distinct `stream` label values; later streams are counted as "other" (default 1000). */
  readonly maxStreams?: number;
}

/** Sampling interval of the event-loop monitor. */
const LOOP_RESOLUTION_MS = 10;

/**
 * Builds vigil's metrics on a registry of their own, so several instances (tests, embedded
 * use) never clash. Label values that come from outside (stream names) are capped, so a
 * client cannot grow the registry without bound.
 */
export function createApiMetrics(options: ApiMetricsOptions = {}): ApiMetrics {
  const registry = new Registry();
  const registers = [registry];
  const maxStreams = options.maxStreams ?? 1000;
  const streams = new Set<string>();
  let core: CoreQueries | undefined;

  const streamLabel = (stream: string | undefined): string => {
    const name = stream === undefined || stream === '' ? 'unknown' : stream;
    if (streams.has(name)) return name;
    if (streams.size >= maxStreams) return 'other';
    streams.add(name);
    return name;
  };

  const received = new Counter({ name: 'vigil_events_received_total', help: 'Events accepted at intake, by stream.', labelNames: ['stream'] as const, registers });
  const rejected = new Counter({ name: 'vigil_events_rejected_total', help: 'Events refused at intake, by stream.', labelNames: ['stream'] as const, registers });
  const evaluation = new Histogram({
    name: 'vigil_rule_evaluation_seconds',
    help: 'Time to run one intake batch through the rules.',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const sent = new Counter({ name: 'vigil_notifications_sent_total', help: 'Notifications delivered, by channel.', labelNames: ['channel'] as const, registers });
  const failed = new Counter({
    name: 'vigil_notifications_failed_total',
    help: 'Notification deliveries that failed, by channel and reason.',
    labelNames: ['channel', 'reason'] as const,
    registers,
  });
  const queue = new Gauge({ name: 'vigil_queue_depth', help: 'Notifications waiting for delivery.', registers });
  const refusals = new Counter({
    name: 'vigil_limit_refusals_total',
    help: 'Things refused by a limit: API requests (rate) and streams (streams, streams_per_client); rule sets over engine.maxRules (rules); events whose by value is over engine.maxLabelValueLength (label_value_length).',
    labelNames: ['limit'] as const,
    registers,
  });
  const dropped = new Counter({ name: 'vigil_groups_dropped_total', help: 'New groups refused by a rule\'s group cap, by rule.', labelNames: ['rule'] as const, registers });

  new Gauge({
    name: 'vigil_incidents',
    help: 'Incidents by state.',
    labelNames: ['state'] as const,
    registers,
    collect() {
      if (core === undefined) return;
      for (const [state, n] of Object.entries(core.incidentCountByState())) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'vigil_rule_groups',
    help: 'Groups kept per rule.',
    labelNames: ['rule'] as const,
    registers,
    collect() {
      // Reset first: a rule dropped by a reload must disappear, not keep its last value.
      this.reset();
      if (core === undefined) return;
      for (const view of core.rules()) this.set({ rule: view.spec.name }, view.groupCount);
    },
  });

  let sources: readonly { readonly name: string; health(): SourceHealth }[] = [];
  new Gauge({
    name: 'vigil_source_up',
    help: 'Whether each source can read from its peer (1) or not (0): a broker, a container engine, a log file away.',
    labelNames: ['source'] as const,
    registers,
    collect() {
      this.reset();
      for (const s of sources) this.set({ source: s.name }, s.health().up ? 1 : 0);
    },
  });

  const loop: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  new Gauge({
    name: 'vigil_event_loop_lag_seconds',
    help: 'Mean event-loop delay since the previous scrape.',
    registers,
    collect() {
      // The monitor's samples include its own sampling interval; only the excess is lag.
      const meanMs = loop.count === 0 ? LOOP_RESOLUTION_MS : loop.mean / 1e6;
      this.set(Math.max(0, meanMs - LOOP_RESOLUTION_MS) / 1000);
      loop.reset();
    },
  });

  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: LOOP_RESOLUTION_MS });
    // prom-client exports these sums as gauges named `_total`, which `promtool check
    // metrics` flags (a `_total` suffix means a counter); the per-type gauges without the
    // suffix (`nodejs_active_handles` ...) carry the same numbers.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  }

  return {
    registry,
    eventsReceived: (stream, n) => received.inc({ stream: streamLabel(stream) }, n),
    eventsRejected: (stream, n) => rejected.inc({ stream: streamLabel(stream) }, n),
    ruleEvaluation: (seconds) => evaluation.observe(seconds),
    notification: (channel, ok, reason) => {
      if (ok) sent.inc({ channel });
      else failed.inc({ channel, reason: reason ?? 'unknown' });
    },
    queueDepth: (n) => queue.set(n),
    limitRefused: (limit) => refusals.inc({ limit }),
    groupsDropped: (rule, n) => dropped.inc({ rule }, n),
    observe: (observed) => {
      core = observed;
    },
    observeSources: (observed) => {
      sources = observed;
    },
    close: () => loop.disable(),
  };
}

/** `GET /metrics`: the registry in Prometheus' text exposition format, open without a token. */
export const metricsRoutes: FastifyPluginAsync<{ ctx: ApiContext; metrics: ApiMetrics }> = async (api, { ctx, metrics }) => {
  metrics.observe(ctx.queries);
  api.get('/metrics', { config: { auth: 'none' } }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
};
