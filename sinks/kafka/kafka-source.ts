/**
 * The Kafka source: a consumer group reads the configured topics, turns each message into
 * an event of the topic's stream, and hands the valid ones to vigil in batches.
 *
 * Messages: a `json` topic's value is one JSON object; a `logfmt` topic's value is one
 * logfmt record (see `logfmt.ts` for how values are typed). The topic decides the stream:
 * a `stream` field in the message is replaced by the topic's stream. A message without
 * `time` gets the message's Kafka timestamp (when it was produced), not the time vigil read
 * it, so a consumer that falls behind still places events where they happened. Every event
 * then passes the same validator as every other edge (`createEventValidator`).
 *
 * Bad messages never block a partition: a message that is not JSON/logfmt, not an object,
 * or not a valid event is copied to the dead-letter topic (same key, value and timestamp,
 * its own headers plus `vigil-error` = the reason, `vigil-topic`, `vigil-partition` and
 * `vigil-offset` = where it came from), counted, and consumption goes on with the next one.
 *
 * Threads: the kafkajs client runs on its own thread (`kafka-consumer-worker.ts`), which
 * fetches ahead and hands over the raw values of each chunk of messages; parsing,
 * validation and `submit` happen here, on the engine's thread (`kafka-chunk.ts`).
 *
 * Delivery guarantee: at least once. The offsets of a chunk of messages are committed only
 * after `submit` resolved 'ok' for its valid events (vigil journals and applies them before
 * it answers, so their effect is durable by then) and its invalid ones are in the
 * dead-letter topic. If the process dies (kill -9, power loss), loses the partition in a
 * rebalance, or a commit fails (broker restart), the messages after the last commit are
 * consumed again by whichever member owns the partition next: an event can be applied
 * twice, but is never skipped while Kafka still retains it. Chunks are submitted one at a
 * time in the order they were fetched, so within a partition events are submitted in
 * offset order. A graceful `stop()` lets the chunk being submitted finish and commit, so a
 * clean restart repeats at most the chunks that were fetched but not yet submitted.
 *
 * Backpressure: when `submit` answers 'busy' the same events are offered again after a
 * backoff (doubling up to 2 s) until they are accepted; meanwhile the consumer thread
 * stops fetching once 60,000 messages wait. Nothing is dropped and nothing is skipped. A
 * `submit` that throws is treated the same way (and logged).
 *
 * A group that has committed nothing yet starts at the earliest retained message
 * (`fromBeginning`, default true): with "latest", messages consumed before the first commit
 * would be skipped by a restart, which at-least-once rules out.
 *
 * Lag: every `lagIntervalMs` the admin client reads each partition's high watermark and
 * the group's committed offset; `onStats` gets `high - committed` per partition, which the
 * caller compares with its alert threshold.
 */

import { Worker } from 'node:worker_threads';
import { ErrorCode, VigilError } from '../../engine/model/errors.js';
import type { Event } from '../../engine/model/event.js';
import { createEventValidator } from '../../ingest/event-validator.js';
import { sleep } from '../../runtime/sleep.js';
import { decodeChunk, type KafkaTopicMapping, type WireChunk } from './kafka-chunk.js';
import type { ConsumerThreadOptions, FromConsumer, ToConsumer } from './kafka-consumer-worker.js';

export type { KafkaTopicMapping } from './kafka-chunk.js';

/** What the source has done so far, and how far behind it is. */
export interface KafkaSourceStats {
  /**
   * Per partition, keyed `topic:partition`: messages not yet committed (high watermark
   * minus the group's committed offset), as of the last lag check.
   */
  readonly lag: Map<string, number>;
  /** Messages committed so far (submitted ones and dead-lettered ones). */
  readonly consumed: number;
  /** Messages copied to the dead-letter topic so far. */
  readonly deadLettered: number;
}

/** What `createKafkaSource` needs; `cli/` fills it from the `kafka` configuration section. */
export interface KafkaSourceOptions {
  /** `host:port` of at least one broker. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  /** The topics to read and what each becomes; at least one. */
  readonly topics: readonly KafkaTopicMapping[];
  /** Where messages that are not valid events go; must not be one of `topics`. */
  readonly deadLetterTopic: string;
  /**
   * Applies validated events, in order. 'ok' means they are applied and durable (their
   * offsets are committed next); 'busy' means nothing was taken and the same events will be
   * offered again later. `json[i]` is the JSON text of `events[i]` where the message had
   * one that could be kept (see `engine/event-json.ts`), for the journal.
   */
  readonly submit: (events: Event[], json: readonly (string | undefined)[]) => Promise<'ok' | 'busy'>;
  /** Told the stats after every lag check. */
  readonly onStats?: (stats: KafkaSourceStats) => void;
  /** Writes one line of the source's own log (problems, dead letters, broker trouble). */
  readonly log: (line: string) => void;
  /** Where a group without committed offsets starts: earliest (default) or latest. */
  readonly fromBeginning?: boolean;
  /** How often lag is measured (default 5 s). */
  readonly lagIntervalMs?: number;
  /** The first wait after a 'busy' answer (default 100 ms); it doubles up to 2 s. */
  readonly busyBackoffMs?: number;
  /** Most events per `submit` call (default 5000). */
  readonly maxEventsPerSubmit?: number;
  /**
   * How long the group waits for a silent member before giving its partitions to others
   * (default 30 s; the broker's `group.min.session.timeout.ms` is the floor).
   */
  readonly sessionTimeoutMs?: number;
}

/** A running (or startable) Kafka source. */
export interface KafkaSource {
  /** Connects, joins the group and starts consuming; rejects when Kafka stays unreachable. */
  start(): Promise<void>;
  /** Lets the chunk in flight finish and commit, then leaves the group and disconnects. */
  stop(): Promise<void>;
  /** The counters so far and the lag of the last check. */
  stats(): KafkaSourceStats;
}

const DEFAULT_LAG_INTERVAL_MS = 5000;
const DEFAULT_BUSY_BACKOFF_MS = 100;
const MAX_BUSY_BACKOFF_MS = 2000;
const DEFAULT_MAX_EVENTS_PER_SUBMIT = 5000;
const DEFAULT_SESSION_TIMEOUT_MS = 30_000;
/** How long an unexpectedly ended consumer thread waits before it is started again. */
const THREAD_RESTART_MS = 5000;
const BROKER_PATTERN = /^[^\s:]+:\d{1,5}$/;

function positive(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new VigilError(ErrorCode.Config, `kafka: ${what} must be positive`);
  return value;
}

function checkOptions(options: KafkaSourceOptions): void {
  const fail = (message: string): never => {
    throw new VigilError(ErrorCode.Config, `kafka: ${message}`);
  };
  if (options.brokers.length === 0) fail('no brokers');
  for (const broker of options.brokers) if (!BROKER_PATTERN.test(broker)) fail(`broker "${broker}" is not host:port`);
  if (options.clientId === '') fail('clientId is empty');
  if (options.groupId === '') fail('groupId is empty');
  if (options.topics.length === 0) fail('no topics');
  const seen = new Set<string>();
  for (const { topic, stream, format } of options.topics) {
    if (topic === '') fail('a topic name is empty');
    if (seen.has(topic)) fail(`topic "${topic}" is listed twice`);
    seen.add(topic);
    if (stream === '') fail(`topic "${topic}" has an empty stream`);
    if (format !== 'json' && format !== 'logfmt') fail(`topic "${topic}": format must be json or logfmt`);
  }
  if (options.deadLetterTopic === '') fail('deadLetterTopic is empty');
  if (seen.has(options.deadLetterTopic)) fail(`the dead-letter topic "${options.deadLetterTopic}" is also read as a source`);
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Creates the Kafka source (see the file comment for formats, dead letters, backpressure and
 * the at-least-once guarantee). Nothing connects until `start()`.
 */
export function createKafkaSource(options: KafkaSourceOptions): KafkaSource {
  checkOptions(options);
  const { submit, onStats, log } = options;
  const busyBackoffMs = positive(options.busyBackoffMs, DEFAULT_BUSY_BACKOFF_MS, 'busyBackoffMs');
  const threadOptions: ConsumerThreadOptions = {
    brokers: [...options.brokers],
    clientId: options.clientId,
    groupId: options.groupId,
    topics: options.topics.map((t) => t.topic),
    deadLetterTopic: options.deadLetterTopic,
    fromBeginning: options.fromBeginning ?? true,
    lagIntervalMs: positive(options.lagIntervalMs, DEFAULT_LAG_INTERVAL_MS, 'lagIntervalMs'),
    maxEventsPerSubmit: Math.floor(positive(options.maxEventsPerSubmit, DEFAULT_MAX_EVENTS_PER_SUBMIT, 'maxEventsPerSubmit')),
    sessionTimeoutMs: positive(options.sessionTimeoutMs, DEFAULT_SESSION_TIMEOUT_MS, 'sessionTimeoutMs'),
  };
  const mappings = new Map(options.topics.map((t) => [t.topic, t]));
  const validate = createEventValidator();

  let consumed = 0;
  let deadLettered = 0;
  let lag = new Map<string, number>();
  let state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  let thread: Worker | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  /** Chunks the consumer thread posted, not yet submitted. */
  let queue: WireChunk[] = [];
  /** Set while chunks are being submitted; resolves when the loop pauses. */
  let submitting: Promise<void> | undefined;
  /** Aborted by `stop()`, so a backoff wait ends at once. */
  const stopping = new AbortController();

  const stats = (): KafkaSourceStats => ({ lag: new Map(lag), consumed, deadLettered });

  /** Offers `events` until `submit` takes them. Resolves false when the source stops first. */
  async function submitUntilAccepted(events: Event[], json: readonly (string | undefined)[], where: string): Promise<boolean> {
    let waitMs = busyBackoffMs;
    for (;;) {
      try {
        if ((await submit(events, json)) === 'ok') return true;
      } catch (error) {
        log(`kafka: submitting ${events.length} events from ${where} failed, retrying: ${errorText(error)}`);
      }
      await sleep(waitMs, { signal: stopping.signal });
      waitMs = Math.min(waitMs * 2, MAX_BUSY_BACKOFF_MS);
      if (stopping.signal.aborted) return false;
    }
  }

  /** Decodes and submits queued chunks one at a time, answering each to the thread it came from. */
  async function submitQueued(): Promise<void> {
    while (queue.length > 0 && !stopping.signal.aborted) {
      const from = thread;
      const chunk = queue.shift()!;
      const mapping = mappings.get(chunk.topic)!;
      const { events, json, rejected } = decodeChunk(chunk, mapping, validate);
      if (events.length > 0 && !(await submitUntilAccepted(events, json, `${chunk.topic}:${chunk.partition}`))) return;
      const answer: ToConsumer = { t: 'done', id: chunk.id, rejected };
      if (from === thread) from?.postMessage(answer);
    }
  }

  function onChunk(chunk: WireChunk): void {
    queue.push(chunk);
    submitting ??= submitQueued()
      .catch((error: unknown) => log(`kafka: ${errorText(error)}`))
      .finally(() => (submitting = undefined));
  }

  /** Starts the consumer thread; resolves when it consumes, rejects with why it could not. */
  function startThread(): Promise<void> {
    const worker = new Worker(new URL('./kafka-consumer-worker.js', import.meta.url), {
      workerData: threadOptions,
      // A thread runs a file: an `--input-type` of a process started with `-e` would stop it.
      execArgv: process.execArgv.filter((arg) => !arg.startsWith('--input-type')),
    });
    thread = worker;
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on('message', (message: FromConsumer) => {
        switch (message.t) {
          case 'chunk':
            if (thread === worker) onChunk(message.chunk);
            return;
          case 'progress':
            consumed = message.consumed;
            deadLettered = message.deadLettered;
            return;
          case 'stats':
            lag = new Map(message.lag);
            if (state !== 'running') return;
            try {
              onStats?.(stats());
            } catch (error) {
              log(`kafka: onStats failed: ${errorText(error)}`);
            }
            return;
          case 'log':
            log(message.line);
            return;
          case 'started':
            started = true;
            resolve();
            return;
          case 'failed':
            reject(new Error(message.error));
            void worker.terminate();
            return;
          case 'stopped':
            return;
        }
      });
      worker.on('error', (error) => log(`kafka: consumer thread failed: ${errorText(error)}`));
      worker.on('exit', () => {
        if (thread !== worker) return;
        thread = undefined;
        // Chunks of a thread that is gone are never answered: they will be read again.
        queue = [];
        if (!started) reject(new Error('the Kafka consumer thread ended before it started'));
        else if (state === 'running') {
          log(`kafka: consumer thread ended unexpectedly; starting it again in ${THREAD_RESTART_MS / 1000}s`);
          restartTimer = setTimeout(() => {
            if (state !== 'running') return;
            startThread().catch((error: unknown) => log(`kafka: restarting the consumer thread failed: ${errorText(error)}`));
          }, THREAD_RESTART_MS);
        }
      });
    });
  }

  return {
    async start() {
      if (state !== 'new') throw new VigilError(ErrorCode.Config, 'kafka: a source starts only once');
      state = 'starting';
      try {
        await startThread();
      } catch (error) {
        // A failed start may be tried again (Kafka may come up later).
        if (state === 'starting') state = 'new';
        thread = undefined;
        throw error;
      }
      // stop() may have been called while connecting; it ended the thread then.
      if (state !== 'starting') return;
      state = 'running';
      log(`kafka: consuming ${[...mappings.keys()].join(', ')} as group ${options.groupId}`);
    },

    async stop() {
      if (state === 'stopped' || state === 'new') {
        state = 'stopped';
        return;
      }
      state = 'stopped';
      stopping.abort();
      clearTimeout(restartTimer);
      // The chunk being submitted finishes and is answered; the queued rest is read again later.
      await submitting;
      queue = [];
      const worker = thread;
      if (worker === undefined) return;
      const stopped = new Promise<void>((resolve) => {
        worker.on('message', (message: FromConsumer) => message.t === 'stopped' && resolve());
        worker.once('exit', () => resolve());
      });
      worker.postMessage({ t: 'stop' } satisfies ToConsumer);
      await stopped;
      thread = undefined;
      await worker.terminate();
    },

    stats,
  };
}
