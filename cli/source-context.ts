import type { FastifyInstance } from 'fastify';
import type { ApiMetrics } from '../api/metrics.js';
import type { HttpRoutes, SourceContext } from '../engine/model/source.js';
import type { IntakeQueue } from '../runtime/intake-queue.js';
import type { LiveCore } from '../runtime/live-core.js';

/** What the service's sources share: the intake queue, the live core, metrics and a log. */
export interface ServiceSourceContextOptions {
  readonly intake: IntakeQueue;
  readonly live: LiveCore;
  readonly metrics: ApiMetrics;
  /** Streams some rule reads (others are counted as `other`, so metric labels stay few). */
  readonly streams: () => ReadonlySet<string>;
  readonly log: (line: string) => void;
  /** Where HTTP sources' routes are collected, to be registered inside the API's context. */
  readonly routes: ((api: FastifyInstance) => void)[];
  readonly signal: AbortSignal;
}

/**
 * The one context every source of `vigil run` gets: events go to the intake queue, posted
 * alerts and self-alerts are journaled and applied by the live core at once.
 */
export function createSourceContext(options: ServiceSourceContextOptions): SourceContext<HttpRoutes<FastifyInstance>> {
  const { intake, live, metrics, streams, log, routes, signal } = options;
  return {
    submit: (events, json, checkpoint) => intake.submit(events, json, checkpoint),
    checkpoint: (source) => live.checkpoint(source),
    submitAlerts: (alerts) => void live.submit({ t: 'alerts', alerts }),
    selfAlert: (name, firing, summary) => live.selfAlert(name, firing, summary),
    now: () => live.now(),
    log,
    counted: (received, rejected) => {
      const read = streams();
      const label = (s: string): string => (read.has(s) ? s : 'other');
      for (const [s, n] of received) metrics.eventsReceived(label(s), n);
      for (const [s, n] of rejected) metrics.eventsRejected(label(s), n);
    },
    http: { add: (r) => routes.push(r) },
    signal,
  };
}
