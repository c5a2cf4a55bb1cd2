/**
 * The Docker/Podman source: follows a container engine's `/events` stream and turns each
 * container `start`, `die`, `oom`, `kill`, `restart` and `health_status` into an event
 * `{container, id, image, action, exitCode, health, labels}` on its stream. When the
 * stream breaks (the engine restarts, its socket goes away) it reconnects with backoff,
 * re-lists `/containers/json` and emits a synthetic event (`synthetic: true`) for each
 * state change the gap hid, so a container that died meanwhile is not missed. While the
 * engine is away the source reports itself down and raises the `vigil_docker_down`
 * self-alert. Optionally it follows the stdout and stderr of containers whose names match
 * `logs` patterns, one log event per line.
 */

import type { IncomingMessage } from 'node:http';
import { ErrorCode, VigilError } from '../../engine/model/errors.js';
import type { Event } from '../../engine/model/event.js';
import type { Source, SourceContext, SourceHealth } from '../../engine/model/source.js';
import { createEventValidator } from '../event-validator.js';
import { containerEvent, parseEngineMessage, REPORTED_ACTIONS, type ContainerMessage } from './container-event.js';
import { followContainerLogs } from './container-logs.js';
import { applyMessage, listedContainer, missedChanges, type KnownContainer } from './container-state.js';
import { createEngineClient, type EngineClient } from './engine-client.js';
import { describeEngineEndpoint, parseEngineEndpoint } from './engine-endpoint.js';
import { createJsonLineSplitter } from './json-lines.js';
import type { LogLine } from './log-frames.js';

/** What `createDockerSource` takes. */
export interface DockerSourceOptions {
  /** `/var/run/docker.sock`, `unix:///path` or `tcp://host:port`. */
  readonly socket: string;
  /** Stream of the container events (default `containers`). */
  readonly stream?: string;
  /** Container name patterns (`*` any run of characters, `?` one) whose output is followed. */
  readonly logs?: readonly string[];
  /** Stream of the log lines (default `logs`). */
  readonly logsStream?: string;
  /** First wait before a reconnect; doubled after each failure up to `retryMaxMs`. */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  /** Limit on one listing or inspection request. */
  readonly requestTimeoutMs?: number;
}

/** The newest log line time read from a container, and how often each text was read at that time. */
interface LogMark {
  readonly timeMs: number;
  readonly seen: Map<string, number>;
}

/** The self-alert raised while the engine cannot be reached. */
export const DOCKER_DOWN_ALERT = 'vigil_docker_down';

const DEFAULT_RETRY_MIN_MS = 250;
const DEFAULT_RETRY_MAX_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Events held while the intake queue is busy; more are dropped and counted. */
const MAX_HELD_EVENTS = 10_000;
const BUSY_RETRY_MS = 50;
/** Most problems of one kind written to the log per connection (they are all counted). */
const MAX_LOGGED_PROBLEMS = 10;

/**
 * A container name pattern as a regular expression. Written by hand: names are not paths,
 * so a path glob library's rules for `/` and dot files would only get in the way.
 */
export function namePattern(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

function reasonOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
  return (e as Error).message ?? String(e);
}

/** Creates the source; throws `E_CONFIG` for an unusable socket or pattern. */
export function createDockerSource(options: DockerSourceOptions): Source {
  const endpoint = parseEngineEndpoint(options.socket);
  const where = describeEngineEndpoint(endpoint);
  const stream = options.stream ?? 'containers';
  const logsStream = options.logsStream ?? 'logs';
  const retryMinMs = options.retryMinMs ?? DEFAULT_RETRY_MIN_MS;
  const retryMaxMs = options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!(retryMinMs > 0 && retryMaxMs >= retryMinMs && requestTimeoutMs > 0)) throw new VigilError(ErrorCode.Config, 'docker: retry and timeout durations must be positive, the maximum retry at least the minimum');
  const logPatterns = (options.logs ?? []).map(namePattern);
  const client: EngineClient = createEngineClient(endpoint);
  const validate = createEventValidator();

  let ctx: SourceContext | undefined;
  let health: SourceHealth = { up: false, detail: 'not started' };
  const stop = new AbortController();
  let loop: Promise<void> | undefined;
  let known = new Map<string, KnownContainer>();
  let listedOnce = false;
  let alerting = false;
  let problemsLogged = 0;
  const held: Event[] = [];
  let heldTimer: NodeJS.Timeout | undefined;
  /** Log followers by container id, and per container the newest line time read with the lines read at that time. */
  const followers = new Map<string, AbortController>();
  const marks = new Map<string, LogMark>();

  const problem = (line: string): void => {
    if (problemsLogged++ < MAX_LOGGED_PROBLEMS) ctx?.log(`docker: ${line}`);
  };

  /** Validates and queues events; a busy queue holds them for a moment. */
  function emit(raw: readonly Record<string, unknown>[]): void {
    if (ctx === undefined || raw.length === 0) return;
    const received = new Map<string, number>();
    const refused = new Map<string, number>();
    const now = ctx.now();
    const events: Event[] = [];
    for (const r of raw) {
      const s = r.stream as string;
      received.set(s, (received.get(s) ?? 0) + 1);
      const checked = validate(r, now);
      if (checked.ok) events.push(checked.event);
      else {
        refused.set(s, (refused.get(s) ?? 0) + 1);
        problem(`an event was dropped: ${checked.error}`);
      }
    }
    ctx.counted(received, refused);
    offer(events);
  }

  function offer(events: readonly Event[]): void {
    if (events.length === 0) return;
    if (held.length > 0) {
      hold(events);
      return;
    }
    const queued = ctx!.submit(events);
    if (queued === 'busy') hold(events);
    else
      queued.then(
        (refused) => {
          // Refused by the core (too late, too far ahead): counted like refusals at the edge.
          if (refused.length === 0) return;
          const byStream = new Map<string, number>();
          for (const r of refused) {
            const s = events[r.index]?.stream ?? stream;
            byStream.set(s, (byStream.get(s) ?? 0) + 1);
          }
          ctx!.counted(new Map(), byStream);
          problem(`${refused.length} events refused: ${refused[0]!.error}`);
        },
        () => undefined,
      );
  }

  function hold(events: readonly Event[]): void {
    const room = MAX_HELD_EVENTS - held.length;
    held.push(...events.slice(0, Math.max(0, room)));
    if (events.length > room) {
      const dropped = events.length - Math.max(0, room);
      ctx!.counted(new Map(), new Map([[stream, dropped]]));
      problem(`the intake queue is busy: ${dropped} events dropped`);
    }
    if (heldTimer === undefined) {
      heldTimer = setTimeout(() => {
        heldTimer = undefined;
        const batch = held.splice(0, held.length);
        offer(batch);
      }, BUSY_RETRY_MS);
    }
  }

  function eventFor(m: ContainerMessage, synthetic: boolean): Record<string, unknown> {
    const k = known.get(m.id);
    // The listing's labels are the container's own; an event's attributes may lack them (Podman on `die` keeps them, some proxies do not).
    const labels = Object.keys(m.labels).length > 0 ? m.labels : (k?.labels ?? {});
    return containerEvent(stream, { ...m, name: m.name || k?.name || '', image: m.image || k?.image || '', labels }, synthetic);
  }

  /** One message of the live stream: update what is known, report it, follow logs of a start (Podman's health read again first). */
  function handle(m: ContainerMessage): void {
    if (m.healthStale) {
      void currentHealth(m.id).then((health) => report({ ...m, healthStale: false, ...(health === undefined ? {} : { health }) }));
      return;
    }
    report(m);
  }

  function report(m: ContainerMessage): void {
    if (stop.signal.aborted) return;
    applyMessage(known, m);
    if (REPORTED_ACTIONS.has(m.action)) emit([eventFor(m, false)]);
    const c = known.get(m.id);
    // A new run: its output is read from a new stream, which continues after the last line already read.
    if (c?.running && m.action === 'start') follow(c, m.time, true);
    if (m.action === 'destroy') marks.delete(m.id);
  }

  /**
   * Starts following a container's output if its name matches: unless someone follows it
   * already, or, with `replace`, instead of the one following it (whose stream may not end
   * when the engine restarts the container).
   */
  function follow(c: KnownContainer, fromMs: number, replace = false): void {
    if (logPatterns.length === 0 || !logPatterns.some((p) => p.test(c.name))) return;
    const previous = followers.get(c.id);
    if (previous !== undefined) {
      if (!replace) return;
      previous.abort();
      followers.delete(c.id);
    }
    const abort = new AbortController();
    followers.set(c.id, abort);
    const signal = AbortSignal.any([abort.signal, stop.signal]);
    // A new stream starts at (or before) the newest time already read: Podman stamps lines
    // to the second, so lines of that time are read again and skipped by their text.
    const mark = marks.get(c.id);
    const skip = mark === undefined ? undefined : { timeMs: mark.timeMs, counts: new Map(mark.seen) };
    followContainerLogs({
      client,
      id: c.id,
      sinceMs: mark === undefined ? fromMs : mark.timeMs,
      // A new run (not a stream picked up again after a reconnect): read it from its start.
      fromRunStart: replace,
      signal,
      onLine: (line: LogLine, timeMs) => {
        if (timeMs !== undefined) {
          if (skip !== undefined && timeMs < skip.timeMs) return;
          if (skip !== undefined && timeMs === skip.timeMs) {
            const n = skip.counts.get(line.text) ?? 0;
            if (n > 0) {
              skip.counts.set(line.text, n - 1);
              return;
            }
          }
          const m = marks.get(c.id);
          if (m === undefined || timeMs > m.timeMs) marks.set(c.id, { timeMs, seen: new Map([[line.text, 1]]) });
          else if (timeMs === m.timeMs) m.seen.set(line.text, (m.seen.get(line.text) ?? 0) + 1);
        }
        emit([
          {
            stream: logsStream,
            time: timeMs ?? ctx!.now(),
            container: c.name,
            id: c.id,
            image: c.image,
            source: line.source,
            message: line.text,
            ...(line.truncated ? { truncated: true } : {}),
            labels: { ...c.labels },
          },
        ]);
      },
    })
      .catch((e: unknown) => {
        if (!signal.aborted) problem(`the log stream of ${c.name} ended: ${reasonOf(e)}`);
      })
      .finally(() => {
        if (followers.get(c.id) === abort) followers.delete(c.id);
      });
  }

  function up(): void {
    health = { up: true };
    problemsLogged = 0;
    if (alerting) {
      alerting = false;
      ctx!.selfAlert(DOCKER_DOWN_ALERT, false, `the container engine at ${where} is reachable again`);
      ctx!.log(`docker: connected again to ${where}`);
    }
  }

  function down(reason: string): void {
    health = { up: false, detail: reason };
    if (!alerting) {
      alerting = true;
      ctx!.selfAlert(DOCKER_DOWN_ALERT, true, `the container engine at ${where} cannot be reached (${reason}); container events may be missed until it is back`);
      ctx!.log(`docker: lost ${where} (${reason}); reconnecting`);
    }
  }

  /** The container's `State` from its inspection; undefined when the engine does not answer. */
  async function stateOf(id: string): Promise<{ ExitCode?: unknown; Health?: { Status?: unknown } } | undefined> {
    try {
      const j = (await client.getJson(`/containers/${encodeURIComponent(id)}/json`, AbortSignal.any([stop.signal, AbortSignal.timeout(requestTimeoutMs)]))) as { State?: { ExitCode?: unknown; Health?: { Status?: unknown } } };
      return j?.State;
    } catch {
      return undefined;
    }
  }

  /** A container's exit code (for a death found by re-listing). */
  async function exitCodeOf(id: string): Promise<number | undefined> {
    const code = (await stateOf(id))?.ExitCode;
    return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
  }

  /** A container's health status now. */
  async function currentHealth(id: string): Promise<string | undefined> {
    const status = (await stateOf(id))?.Health?.Status;
    return typeof status === 'string' && status !== '' ? status : undefined;
  }

  /** One connection: open the stream, list, report what the gap hid, then read until the stream ends. */
  async function session(): Promise<void> {
    const filters = encodeURIComponent(JSON.stringify({ type: ['container'] }));
    const res: IncomingMessage = await client.openStream(`/events?filters=${filters}`, stop.signal);
    const splitter = createJsonLineSplitter();
    let listing = true;
    const buffered: ContainerMessage[] = [];
    const described = new Set<string>();
    const ended = new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: Buffer) => {
        const bad: Record<string, unknown>[] = [];
        for (const line of splitter.push(chunk)) {
          const parsed = line.ok ? parseEngineMessage(line.value) : ({ ok: false, skip: false, error: line.error } as const);
          if (parsed.ok) {
            if (listing) {
              buffered.push(parsed.message);
              described.add(parsed.message.id);
            } else handle(parsed.message);
          } else if (!parsed.skip) {
            bad.push({ stream });
            problem(`an engine event was dropped: ${parsed.error}`);
          }
        }
        if (bad.length > 0) ctx!.counted(new Map([[stream, bad.length]]), new Map([[stream, bad.length]]));
      });
      res.on('end', () => resolve());
      res.on('error', reject);
      res.on('close', () => (res.complete ? resolve() : reject(new Error('the event stream broke'))));
    });
    ended.catch(() => undefined);
    try {
      const raw = await client.getJson('/containers/json?all=1', AbortSignal.any([stop.signal, AbortSignal.timeout(requestTimeoutMs)]));
      const listed = (Array.isArray(raw) ? raw : []).map(listedContainer).filter((c): c is KnownContainer => c !== undefined);
      if (listedOnce) {
        const { changes, next } = missedChanges(known, listed, described);
        known = next;
        const now = ctx!.now();
        const synthetic: Record<string, unknown>[] = [];
        for (const ch of changes) {
          const c = ch.container;
          const exitCode = ch.action === 'die' ? await exitCodeOf(c.id) : undefined;
          const m: ContainerMessage = {
            id: c.id,
            action: ch.action,
            name: c.name,
            image: c.image,
            time: now,
            labels: c.labels,
            ...(exitCode === undefined ? {} : { exitCode }),
            ...(ch.action === 'health_status' && c.health !== undefined ? { health: c.health } : {}),
          };
          synthetic.push(containerEvent(stream, m, true));
        }
        emit(synthetic);
        if (changes.length > 0) ctx!.log(`docker: ${changes.length} container changes happened while the stream was away: ${changes.map((c) => `${c.container.name} ${c.action}`).join(', ').slice(0, 300)}`);
      } else {
        known = new Map(listed.map((c) => [c.id, c]));
        listedOnce = true;
      }
    } catch (e) {
      res.destroy();
      throw e;
    }
    listing = false;
    for (const m of buffered.splice(0)) handle(m);
    up();
    const now = ctx!.now();
    for (const c of known.values()) if (c.running) follow(c, now);
    try {
      await ended;
    } finally {
      res.destroy();
    }
  }

  async function run(): Promise<void> {
    let delayMs = retryMinMs;
    while (!stop.signal.aborted) {
      let reason: string;
      try {
        await session();
        reason = 'the engine closed the event stream';
      } catch (e) {
        reason = reasonOf(e);
      }
      if (stop.signal.aborted) return;
      // A connection that came up starts the backoff over.
      if (health.up) delayMs = retryMinMs;
      down(reason);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delayMs);
        stop.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
      delayMs = Math.min(delayMs * 2, retryMaxMs);
    }
  }

  return {
    name: 'docker',
    async start(context) {
      ctx = context;
      health = { up: false, detail: `connecting to ${where}` };
      loop = run();
    },
    async stop() {
      stop.abort();
      if (heldTimer !== undefined) clearTimeout(heldTimer);
      for (const f of followers.values()) f.abort();
      await loop;
      health = { up: false, detail: 'stopped' };
    },
    health: () => health,
  };
}
