/**
 * The Kafka sink: each notification becomes one message on the channel's topic, through a
 * kafkajs producer that all Kafka channels share.
 */

import { Kafka, Partitioners, logLevel, type LogEntry, type Message, type Producer } from 'kafkajs';
import { deadline } from '../../runtime/deadline.js';
import { ErrorCode, VigilError } from '../../engine/model/errors.js';
import { SinkError, type Notification, type Sink } from '../../engine/model/notification.js';
import { notificationJson, type NotificationJson } from '../notify/notification-json.js';
import { abortedError } from '../notify/send-support.js';

/** What `createKafkaProducer` needs. */
export interface KafkaProducerOptions {
  /** `host:port` of at least one broker. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Gets the client's warnings and errors as single lines; default: dropped (sends report their own failures). */
  readonly log?: (line: string) => void;
}

/** kafkajs's own retries (an idempotent producer would otherwise retry without end). */
const RETRY = { initialRetryTime: 100, maxRetryTime: 1000, retries: 2 };

/**
 * Creates the one producer the Kafka channels share (not connected yet: the first send
 * connects it; disconnect it at shutdown). Its own retries are short, because the
 * notification pipeline retries a failed send itself, with its backoff and its limits.
 * It is idempotent, so a request retried inside kafkajs never writes a message twice.
 */
export function createKafkaProducer(options: KafkaProducerOptions): Producer {
  if (options.brokers.length === 0) throw new VigilError(ErrorCode.Config, 'kafka: no brokers for the kafka channels');
  const log = options.log;
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    retry: RETRY,
    logLevel: log === undefined ? logLevel.NOTHING : logLevel.WARN,
    logCreator:
      () =>
      ({ log: entry }: LogEntry) => {
        const { message, broker, error } = entry as { message: string; broker?: unknown; error?: unknown };
        const details = [broker !== undefined ? `broker ${String(broker)}` : '', error !== undefined ? String(error) : ''];
        const shown = details.filter((d) => d !== '');
        // Retries are kept short on purpose (see above); a resend by the pipeline reuses the
        // batch's sequence number, which the broker still recognises.
        if (message.startsWith('Limiting retries for the idempotent producer')) return;
        log?.(`kafka producer: ${message}${shown.length > 0 ? ` (${shown.join(', ')})` : ''}`);
      },
  });
  // Idempotent, one request in flight: a produce request kafkajs retries after a lost answer
  // (a reconnect, a timeout) is recognised by the broker by its producer id and sequence
  // number and written once, not twice.
  return kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1, retry: RETRY });
}

/** What `createKafkaSink` needs; the rule loader fills it from a `kafka` channel. */
export interface KafkaSinkOptions {
  /** The channel's name. */
  readonly name: string;
  /** The topic every notification of this channel goes to. */
  readonly topic: string;
  /** The shared producer (`createKafkaProducer`). */
  readonly producer: Producer;
  /** The longest one send may take, connecting included (default 10 s). */
  readonly timeoutMs?: number;
}

/** The value of one Kafka notification message: the webhook's notification plus its channel. */
export type KafkaNotificationValue = { readonly channel: string } & NotificationJson;

const DEFAULT_TIMEOUT_MS = 10_000;

/** Connections in progress or made, per shared producer, so sinks connect it once. */
const connections = new WeakMap<Producer, Promise<void>>();
const watched = new WeakSet<Producer>();

function ensureConnected(producer: Producer): Promise<void> {
  let connecting = connections.get(producer);
  if (connecting !== undefined) return connecting;
  if (!watched.has(producer)) {
    watched.add(producer);
    // Whoever disconnects the producer, the next send connects it again.
    producer.on(producer.events.DISCONNECT, () => connections.delete(producer));
  }
  connecting = producer.connect();
  connections.set(producer, connecting);
  const attempt = connecting;
  attempt.catch(() => {
    if (connections.get(producer) === attempt) connections.delete(producer);
  });
  return connecting;
}

/** kafkajs errors that mean the cluster could not be reached or did not answer in time. */
const UNREACHABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSLockTimeout',
  'KafkaJSTimeout',
]);

/** The innermost error of a kafkajs failure (retries wrap the last attempt's error). */
function rootCause(error: unknown): unknown {
  let e = error;
  for (let depth = 0; depth < 5 && e instanceof Error && e.cause instanceof Error; depth++) e = e.cause;
  return e;
}

function classify(where: string, error: unknown): SinkError {
  const root = rootCause(error) as { name?: unknown; type?: unknown; retriable?: unknown; message?: unknown } | undefined;
  const name = typeof root?.name === 'string' ? root.name : '';
  const type = typeof root?.type === 'string' && /^[A-Z_]{1,64}$/.test(root.type) ? root.type : '';
  if (name === 'KafkaJSRequestTimeoutError') {
    return new SinkError('timeout', true, `${where}: the broker did not answer in time`, { cause: error });
  }
  if (UNREACHABLE.has(name)) return new SinkError('connection', true, `${where}: cannot reach the cluster (${name})`, { cause: error });
  if (name === 'KafkaJSProtocolError') {
    return root?.retriable === true
      ? new SinkError('connection', true, `${where}: the broker refused for now (${type})`, { cause: error })
      : new SinkError('config', false, `${where}: the broker refused the messages (${type})`, { cause: error });
  }
  const label = name !== '' ? name : 'unknown error';
  return new SinkError('connection', true, `${where}: send failed (${label})`, { cause: error });
}

/**
 * Creates a sink that produces each notification of a batch as one message to `topic`, all
 * in one produce request, acknowledged by all in-sync replicas (`acks=-1`):
 *
 * - key: the incident id, so every message about one incident lands in one partition, in order;
 * - header `vigil-key`: the notification's idempotency key (a consumer drops resends by it);
 * - header `vigil-redelivery: true` when a send of this key was started before (a retry, or
 *   a send cut short by a crash): the topic may hold it already, detectable by `vigil-key`;
 * - value, UTF-8 JSON: the same object as one element of the webhook body's
 *   `notifications` array, plus the channel:
 *
 * ```json
 * {
 *   "channel": "<channel name>",
 *   "key": "<idempotency key>",
 *   "kind": "firing" | "resolved" | "repeat" | "escalation" | "action",
 *   "time": "<ISO-8601, when the notification was decided>",
 *   "step": 0,
 *   "incident": {
 *     "id": "<incident id>",
 *     "rule": "<rule name>",
 *     "state": "firing" | "acknowledged" | "resolved",
 *     "severity": "<severity>",
 *     "labels": { "<name>": "<value>" },
 *     "value": <number | string | boolean | null>,
 *     "summary": "<rendered summary, '' when none>",
 *     "openedAt": "<ISO-8601>",
 *     "resolvedAt": "<ISO-8601>" | null,
 *     "url": "<link to the incident>"
 *   }
 * }
 * ```
 *
 * Failures: an unreachable cluster or a broker that cannot take the messages yet (no
 * leader, not enough replicas) throws `connection` (retryable); no answer within
 * `timeoutMs` throws `timeout` (retryable); a refusal that a retry cannot fix (message too
 * large, not authorised, invalid topic) throws `config` (not retryable); the caller's abort
 * throws `aborted`. A send abandoned by abort or timeout may still complete afterwards, so
 * a retry can deliver a notification twice; `vigil-key` identifies the copy.
 */
export function createKafkaSink(options: KafkaSinkOptions): Sink {
  const { name, topic, producer } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (topic === '') throw new VigilError(ErrorCode.Config, `kafka channel "${name}": the topic is empty`);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new VigilError(ErrorCode.Config, `kafka channel "${name}": timeout must be positive`);
  }
  const where = `kafka channel "${name}" (topic ${topic})`;

  return {
    name,
    async send(batch: readonly Notification[], signal: AbortSignal): Promise<void> {
      if (batch.length === 0) return;
      if (signal.aborted) throw abortedError(where);
      const messages: Message[] = batch.map((n) => {
        const value: KafkaNotificationValue = { channel: name, ...notificationJson(n) };
        const headers: Record<string, string> = { 'vigil-key': n.key };
        if (n.redelivery === true) headers['vigil-redelivery'] = 'true';
        return { key: n.incident.id, value: JSON.stringify(value), headers };
      });

      const limit = deadline(signal, timeoutMs);
      const work = ensureConnected(producer).then(() => producer.send({ topic, messages, acks: -1, timeout: timeoutMs }));
      // An abandoned send still settles later; its outcome no longer matters.
      work.catch(() => {});
      try {
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => reject(limit.signal.reason);
          limit.signal.addEventListener('abort', onAbort, { once: true });
          work.then(
            () => resolve(),
            (error: unknown) => reject(error),
          ).finally(() => limit.signal.removeEventListener('abort', onAbort));
        });
      } catch (error) {
        if (signal.aborted) throw abortedError(where);
        if (limit.expired()) throw new SinkError('timeout', true, `${where}: no answer within ${timeoutMs} ms`);
        throw classify(where, error);
      } finally {
        limit.dispose();
      }
    },
  };
}
