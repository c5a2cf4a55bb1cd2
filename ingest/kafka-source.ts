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
 * Delivery guarantee: at least once. The offsets of a chunk of messages are committed only
 * after `submit` resolved 'ok' for its valid events (vigil journals and applies them before
 * it answers, so their effect is durable by then) and its invalid ones are in the
 * dead-letter topic. If the process dies (kill -9, power loss), loses the partition in a
 * rebalance, or a commit fails (broker restart), the messages after the last commit are
 * consumed again by whichever member owns the partition next: an event can be applied
 * twice, but is never skipped while Kafka still retains it. Within a partition events are
 * submitted in offset order. A graceful `stop()` lets the
 * chunk in flight finish and commit, so a clean restart normally repeats nothing.
 *
 * Backpressure: when `submit` answers 'busy' the partition is paused and the same events are
 * offered again after a backoff (doubling up to 2 s) until they are accepted; then the
 * partition resumes. Nothing is dropped and nothing is skipped. A `submit` that throws is
 * treated the same way (and logged).
 *
 * A group that has committed nothing yet starts at the earliest retained message
 * (`fromBeginning`, default true): with "latest", messages consumed before the first commit
 * would be skipped by a restart, which at-least-once rules out.
 *
 * Lag: every `lagIntervalMs` the admin client reads each partition's high watermark and
 * the group's committed offset; `onStats` gets `high - committed` per partition, which the
 * caller compares with its alert threshold.
 */

import {
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type KafkaMessage,
  type LogEntry,
  type Message,
  type Producer,
} from 'kafkajs';
import { ErrorCode, VigilError } from '../engine/errors.js';
import type { Event } from '../engine/event.js';
import { createEventValidator, type EventCheck } from './event-validator.js';
import { parseLogfmt } from './logfmt.js';

/** How one topic's messages become events. */
export interface KafkaTopicMapping {
  readonly topic: string;
  /** The stream every event from this topic gets (it replaces the message's own). */
  readonly stream: string;
  /** `json`: one JSON object per message; `logfmt`: one logfmt record per message. */
  readonly format: 'json' | 'logfmt';
}

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
   * offered again later.
   */
  readonly submit: (events: Event[]) => Promise<'ok' | 'busy'>;
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
  /** Most events per `submit` call, and so per commit (default 1000). */
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
const DEFAULT_MAX_EVENTS_PER_SUBMIT = 1000;
const DEFAULT_SESSION_TIMEOUT_MS = 30_000;
/** Longest `vigil-error` header kept; reasons quote a little of the input at most. */
const MAX_REASON_LENGTH = 1000;
const BROKER_PATTERN = /^[^\s:]+:\d{1,5}$/;

/**
 * Client retries: generous, so a broker restart or a short outage is waited out, and a
 * consumer that gives up anyway is restarted (`restartOnFailure`) rather than left stopped.
 */
const RETRY = { initialRetryTime: 300, maxRetryTime: 5000, retries: 15, restartOnFailure: async () => true };

/** A kafkajs logger that forwards warnings and errors to `log` as single lines. */
function kafkaLogCreator(log: (line: string) => void) {
  return () =>
    ({ level, log: entry }: LogEntry): void => {
      if (level > logLevel.WARN) return;
      const { message, broker, error, groupId, topic } = entry as {
        message: string;
        broker?: unknown;
        error?: unknown;
        groupId?: unknown;
        topic?: unknown;
      };
      const details = [
        broker !== undefined ? `broker ${String(broker)}` : '',
        groupId !== undefined ? `group ${String(groupId)}` : '',
        topic !== undefined ? `topic ${String(topic)}` : '',
        error !== undefined ? String(error) : '',
      ].filter((d) => d !== '');
      log(`kafka: ${message}${details.length > 0 ? ` (${details.join(', ')})` : ''}`);
    };
}

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

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns one message into a validated event of `mapping.stream`, or says why it cannot be
 * one (the reason that goes into the `vigil-error` header). `validate` is the intake
 * validator; the message timestamp stands in for a missing `time`.
 */
export function decodeKafkaMessage(
  mapping: KafkaTopicMapping,
  message: Pick<KafkaMessage, 'value' | 'timestamp'>,
  validate: (raw: unknown, now: number) => EventCheck,
): EventCheck {
  if (message.value === null) return { ok: false, error: 'message has no value' };
  let text: string;
  try {
    text = utf8.decode(message.value);
  } catch {
    return { ok: false, error: 'value is not UTF-8' };
  }
  let fields: Record<string, unknown>;
  if (mapping.format === 'logfmt') {
    const parsed = parseLogfmt(text);
    if (!parsed.ok) return { ok: false, error: `not logfmt: ${parsed.error} at position ${parsed.at}` };
    fields = parsed.fields;
  } else {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      return { ok: false, error: `not JSON: ${(error as Error).message}` };
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, error: 'not a JSON object' };
    fields = raw as Record<string, unknown>;
  }
  const timestamp = Number(message.timestamp);
  const now = Number.isSafeInteger(timestamp) && timestamp >= 0 ? timestamp : Date.now();
  return validate({ ...fields, stream: mapping.stream }, now);
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
  const { groupId, deadLetterTopic, submit, onStats, log } = options;
  const fromBeginning = options.fromBeginning ?? true;
  const lagIntervalMs = positive(options.lagIntervalMs, DEFAULT_LAG_INTERVAL_MS, 'lagIntervalMs');
  const busyBackoffMs = positive(options.busyBackoffMs, DEFAULT_BUSY_BACKOFF_MS, 'busyBackoffMs');
  const maxEventsPerSubmit = Math.floor(positive(options.maxEventsPerSubmit, DEFAULT_MAX_EVENTS_PER_SUBMIT, 'maxEventsPerSubmit'));
  const sessionTimeoutMs = positive(options.sessionTimeoutMs, DEFAULT_SESSION_TIMEOUT_MS, 'sessionTimeoutMs');
  const mappings = new Map(options.topics.map((t) => [t.topic, t]));
  const topicNames = [...mappings.keys()];
  const validate = createEventValidator();

  let consumed = 0;
  let deadLettered = 0;
  let lag = new Map<string, number>();
  let kafka: Kafka | undefined;
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;
  let admin: Admin | undefined;
  let lagTimer: NodeJS.Timeout | undefined;
  let lagFailing = false;
  let state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  /** Aborted by `stop()`, so a backoff wait ends at once. */
  const stopping = new AbortController();

  const stats = (): KafkaSourceStats => ({ lag: new Map(lag), consumed, deadLettered });

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (stopping.signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      stopping.signal.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Offers `events` until `submit` takes them, pausing the partition meanwhile. Resolves
   * false when the consumer stops first (nothing is committed then).
   */
  async function submitUntilAccepted(events: Event[], payload: EachBatchPayload): Promise<boolean> {
    const { batch, pause, heartbeat, isRunning } = payload;
    const where = `${batch.topic}:${batch.partition}`;
    let resume: (() => void) | undefined;
    let waitMs = busyBackoffMs;
    try {
      for (;;) {
        let answer: 'ok' | 'busy' | 'failed';
        try {
          answer = await submit(events);
        } catch (error) {
          log(`kafka: submitting ${events.length} events from ${where} failed, retrying: ${errorText(error)}`);
          answer = 'failed';
        }
        if (answer === 'ok') return true;
        if (resume === undefined) resume = pause();
        await sleep(waitMs);
        waitMs = Math.min(waitMs * 2, MAX_BUSY_BACKOFF_MS);
        if (!isRunning() || stopping.signal.aborted) return false;
        await heartbeat();
      }
    } finally {
      resume?.();
    }
  }

  function deadLetter(message: KafkaMessage, reason: string, topic: string, partition: number): Message {
    return {
      key: message.key,
      value: message.value,
      timestamp: message.timestamp,
      headers: {
        ...message.headers,
        'vigil-error': reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH)}...` : reason,
        'vigil-topic': topic,
        'vigil-partition': String(partition),
        'vigil-offset': message.offset,
      },
    };
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale } = payload;
    const mapping = mappings.get(batch.topic);
    if (mapping === undefined) return;
    const messages = batch.messages;
    for (let start = 0; start < messages.length; start += maxEventsPerSubmit) {
      if (!isRunning() || isStale()) return;
      const chunk = messages.slice(start, start + maxEventsPerSubmit);
      const events: Event[] = [];
      const dead: Message[] = [];
      for (const message of chunk) {
        const checked = decodeKafkaMessage(mapping, message, validate);
        if (checked.ok) events.push(checked.event);
        else dead.push(deadLetter(message, checked.error, batch.topic, batch.partition));
      }
      if (events.length > 0 && !(await submitUntilAccepted(events, payload))) return;
      if (dead.length > 0) {
        await producer!.send({ topic: deadLetterTopic, messages: dead, acks: -1 });
        deadLettered += dead.length;
        const first = dead[0]!.headers!;
        log(
          `kafka: ${dead.length} message(s) from ${batch.topic}:${batch.partition} sent to ${deadLetterTopic}` +
            ` (offset ${String(first['vigil-offset'])}: ${String(first['vigil-error'])})`,
        );
      }
      // Only now is everything up to this offset applied or dead-lettered: commit it.
      resolveOffset(chunk[chunk.length - 1]!.offset);
      await commitOffsetsIfNecessary();
      consumed += chunk.length;
      await heartbeat();
    }
  }

  async function measureLag(): Promise<void> {
    if (admin === undefined) return;
    const committed = await admin.fetchOffsets({ groupId, topics: topicNames });
    const next = new Map<string, number>();
    for (const { topic, partitions } of committed) {
      const ends = await admin.fetchTopicOffsets(topic);
      const byPartition = new Map(partitions.map((p) => [p.partition, Number(p.offset)]));
      for (const end of ends) {
        const high = Number(end.high);
        const done = byPartition.get(end.partition) ?? -1;
        const from = done >= 0 ? done : fromBeginning ? Number(end.low) : high;
        next.set(`${topic}:${end.partition}`, Math.max(0, high - from));
      }
    }
    lag = next;
  }

  function scheduleLag(): void {
    lagTimer = setTimeout(async () => {
      try {
        await measureLag();
        if (lagFailing) log('kafka: lag measurement works again');
        lagFailing = false;
      } catch (error) {
        if (!lagFailing && state === 'running') log(`kafka: measuring lag failed: ${errorText(error)}`);
        lagFailing = true;
      }
      if (state !== 'running') return;
      try {
        onStats?.(stats());
      } catch (error) {
        log(`kafka: onStats failed: ${errorText(error)}`);
      }
      scheduleLag();
    }, lagIntervalMs);
    lagTimer.unref();
  }

  async function disconnectAll(): Promise<void> {
    const steps = [consumer?.disconnect(), producer?.disconnect(), admin?.disconnect()];
    for (const step of steps) await step?.catch((error: unknown) => log(`kafka: disconnecting failed: ${errorText(error)}`));
  }

  return {
    async start() {
      if (state !== 'new') throw new VigilError(ErrorCode.Config, 'kafka: a source starts only once');
      state = 'starting';
      kafka = new Kafka({
        clientId: options.clientId,
        brokers: [...options.brokers],
        retry: RETRY,
        logLevel: logLevel.WARN,
        logCreator: kafkaLogCreator(log),
      });
      producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, retry: RETRY });
      admin = kafka.admin({ retry: RETRY });
      consumer = kafka.consumer({
        groupId,
        sessionTimeout: sessionTimeoutMs,
        heartbeatInterval: Math.max(100, Math.min(3000, Math.floor(sessionTimeoutMs / 3))),
        // Long polls end early when data arrives; this bounds how long stop() waits for one.
        maxWaitTimeInMs: 1000,
        retry: RETRY,
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) log(`kafka: consumer stopped after an error it cannot retry: ${errorText(payload.error)}`);
      });
      try {
        await Promise.all([producer.connect(), admin.connect(), consumer.connect()]);
        await consumer.subscribe({ topics: topicNames, fromBeginning });
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          // With autoCommit off, commitOffsetsIfNecessary() commits whatever was resolved.
          autoCommitThreshold: 1,
          eachBatch,
        });
      } catch (error) {
        state = 'stopped';
        await disconnectAll();
        throw error;
      }
      // stop() may have been called while connecting; it disconnected everything then.
      if (stopping.signal.aborted) return;
      state = 'running';
      log(`kafka: consuming ${topicNames.join(', ')} as group ${groupId}`);
      scheduleLag();
    },

    async stop() {
      if (state === 'stopped' || state === 'new') {
        state = 'stopped';
        return;
      }
      state = 'stopped';
      stopping.abort();
      clearTimeout(lagTimer);
      await disconnectAll();
    },

    stats,
  };
}
