import type { ExternalAlert } from '../external-alerts.js';
import type { Event } from './event.js';

/** A refused event: its position in the submitted batch and why. */
export interface Rejection {
  readonly index: number;
  readonly error: string;
}

/**
 * A source's position in what it reads (a file's inode and offset), journaled in the same
 * record as the events it covers, so after a crash the source resumes exactly after the
 * last events vigil kept. `value` is the source's own plain JSON data.
 */
export interface SourceCheckpoint {
  readonly source: string;
  readonly value: unknown;
}

/**
 * Where a source that serves HTTP adds its routes. `App` is the web framework's instance;
 * the routes end up inside the API's own context, behind the same authorization, body
 * limit and error handler as every other route.
 */
export interface HttpRoutes<App> {
  add(routes: (app: App) => void): void;
}

/**
 * What the running service gives every source: the one way in for events (the intake
 * queue), for posted alerts, and for vigil's own problems, plus a log, counters and an
 * abort signal raised when the service stops. `Http` is whatever HTTP sources register
 * routes on (see `HttpRoutes`); sources that serve no HTTP ignore it.
 */
export interface SourceContext<Http = unknown> {
  /**
   * Queues validated events: they are journaled, then applied, and the promise resolves
   * with the events refused on the way (e.g. too late), by position. 'busy' when the queue
   * is full: nothing was taken, the source should hold back and offer them again.
   * `json[i]` is the JSON text `events[i]` arrived as, where the source kept it (the
   * journal stores it as it came). `checkpoint`, when given, is journaled in the same
   * record as these events (all or nothing) and given back by `checkpoint()` after a restart.
   */
  submit(events: readonly Event[], json?: readonly (string | undefined)[], checkpoint?: SourceCheckpoint): Promise<readonly Rejection[]> | 'busy';
  /**
   * The value last submitted with `checkpoint.source === source` that vigil kept (from the
   * snapshot and the journal after it), or undefined when there is none. A source that
   * checkpoints reads it at start and resumes after it.
   */
  checkpoint?(source: string): unknown;
  /** Journals and applies alerts posted by another alerting system (Prometheus, Grafana). */
  submitAlerts(alerts: readonly ExternalAlert[]): void;
  /**
   * Raises (`firing`) or resolves one of vigil's own problems as an alert (`vigil_ingest_lag`):
   * it stays firing while it is repeated and resolves when told so.
   */
  selfAlert(name: string, firing: boolean, summary: string): void;
  /** The engine clock's time (epoch ms). */
  now(): number;
  /** Writes one line of the service's log (no newline). */
  log(line: string): void;
  /** Counts, per stream, events that came in and events refused (the `/metrics` counters). */
  counted(received: ReadonlyMap<string, number>, rejected: ReadonlyMap<string, number>): void;
  readonly http: Http;
  /** Aborted when the service stops; long waits of a source end on it. */
  readonly signal: AbortSignal;
}

/** How a source is doing: `up` false while it cannot read (broker away), with why. */
export interface SourceHealth {
  readonly up: boolean;
  readonly detail?: string;
}

/**
 * One way events come into vigil (HTTP intake, Kafka, health checks, posted alerts, and
 * later syslog, files, containers, scrape, OTLP). The service starts every source with
 * the same context and stops them before it drains its queue; adding a source is one file
 * implementing this and one line in the service's list.
 */
export interface Source<Http = unknown> {
  readonly name: string;
  /**
   * Starts reading. Resolves once the source is set up (its routes added, its connection
   * being attempted); a source whose remote end is away keeps retrying on its own rather
   * than failing the start. Rejects only for what a retry cannot fix (bad options).
   */
  start(ctx: SourceContext<Http>): Promise<void>;
  /** Stops reading; what it already handed over finishes its way (e.g. offsets commit). */
  stop(): Promise<void>;
  health(): SourceHealth;
}
