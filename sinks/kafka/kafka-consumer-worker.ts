/**
 * The Kafka consumer thread: owns the kafkajs consumer, the dead-letter producer and the
 * admin client that measures lag, so decoding Kafka's fetch responses (the costliest part
 * of consuming) runs beside the engine instead of on its thread.
 *
 * It reads the group's partitions and posts each chunk of messages (`kafka-chunk.ts`) to
 * the engine's thread without waiting for an answer, so the next fetch overlaps with the
 * engine applying the last one; at most `MAX_IN_FLIGHT_MESSAGES` are unanswered at a time.
 * The engine's side answers every chunk it applied with `done` (in the order it got
 * them), naming the messages that are not valid events. Only then are those messages
 * copied to the dead-letter topic and the chunk's offsets committed. Chunks the engine
 * never answers (it stopped, or the process died) are never committed, and are read
 * again by whichever member owns the partition next.
 *
 * Messages: in `done`, `stop`; out `started`/`failed`, `chunk`, `progress` (counters after a
 * commit), `stats` (lag, after each check), `log`, `stopped`.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type EachBatchPayload, type KafkaMessage, type LogEntry, type Message, type Producer } from 'kafkajs';
import { sleep } from '../../runtime/sleep.js';
import { chunkTransferList, packChunk, type RejectedMessage, type WireChunk } from './kafka-chunk.js';

/** What the thread is started with (structured-clone safe). */
export interface ConsumerThreadOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly deadLetterTopic: string;
  readonly fromBeginning: boolean;
  readonly lagIntervalMs: number;
  readonly maxEventsPerSubmit: number;
  readonly sessionTimeoutMs: number;
}

/** From the engine's thread. */
export type ToConsumer = { readonly t: 'done'; readonly id: number; readonly rejected: readonly RejectedMessage[] } | { readonly t: 'stop' };

/** To the engine's thread. */
export type FromConsumer =
  | { readonly t: 'started' }
  | { readonly t: 'failed'; readonly error: string }
  | { readonly t: 'chunk'; readonly chunk: WireChunk }
  | { readonly t: 'progress'; readonly consumed: number; readonly deadLettered: number }
  | { readonly t: 'stats'; readonly lag: [string, number][] }
  | { readonly t: 'log'; readonly line: string }
  | { readonly t: 'stopped' };

/** How many posted messages may wait for the engine before the thread stops fetching. */
const MAX_IN_FLIGHT_MESSAGES = 60_000;
/** How long a failed dead-letter send or commit waits before the next try. */
const RETRY_WAIT_MS = 1000;
/** Longest `vigil-error` header kept; reasons quote a little of the input at most. */
const MAX_REASON_LENGTH = 1000;

/**
 * Client retries: generous, so a broker restart or a short outage is waited out, and a
 * consumer that gives up anyway is restarted (`restartOnFailure`) rather than left stopped.
 */
const RETRY = { initialRetryTime: 300, maxRetryTime: 5000, retries: 15, restartOnFailure: async () => true };

const port = parentPort!;
const options = workerData as ConsumerThreadOptions;
const { groupId, deadLetterTopic, maxEventsPerSubmit, lagIntervalMs, fromBeginning } = options;
const post = (message: FromConsumer, transfer?: ArrayBuffer[]): void => port.postMessage(message, transfer);
const log = (line: string): void => post({ t: 'log', line });

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A kafkajs logger that forwards warnings and errors as single lines. */
function kafkaLogCreator() {
  return () =>
    ({ level, log: entry }: LogEntry): void => {
      if (level > logLevel.WARN) return;
      const { message, broker, error, groupId: group, topic } = entry as {
        message: string;
        broker?: unknown;
        error?: unknown;
        groupId?: unknown;
        topic?: unknown;
      };
      const details = [
        broker !== undefined ? `broker ${String(broker)}` : '',
        group !== undefined ? `group ${String(group)}` : '',
        topic !== undefined ? `topic ${String(topic)}` : '',
        error !== undefined ? String(error) : '',
      ].filter((d) => d !== '');
      log(`kafka: ${message}${details.length > 0 ? ` (${details.join(', ')})` : ''}`);
    };
}

/** A chunk posted to the engine and not answered yet. */
interface InFlight {
  readonly topic: string;
  readonly partition: number;
  /** Kept for the dead-letter copies. */
  readonly messages: KafkaMessage[];
  /** The offset to commit once the chunk is done: its last message's, plus one. */
  readonly nextOffset: string;
}

/** An offset to commit for one partition, and how many messages it covers since the last commit. */
interface PendingCommit {
  readonly topic: string;
  readonly partition: number;
  offset: string;
  messages: number;
}

const kafka = new Kafka({ clientId: options.clientId, brokers: [...options.brokers], retry: RETRY, logLevel: logLevel.WARN, logCreator: kafkaLogCreator() });
const producer: Producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, retry: RETRY });
const admin: Admin = kafka.admin({ retry: RETRY });
const consumer: Consumer = kafka.consumer({
  groupId,
  sessionTimeout: options.sessionTimeoutMs,
  heartbeatInterval: Math.max(100, Math.min(3000, Math.floor(options.sessionTimeoutMs / 3))),
  // Long polls end early when data arrives; this bounds how long stopping waits for one.
  maxWaitTimeInMs: 1000,
  retry: RETRY,
});

let nextId = 1;
const inFlight = new Map<number, InFlight>();
let inFlightMessages = 0;
/** Woken when an answer frees room, or when stopping. */
let wakeFetcher: (() => void) | undefined;
const pending = new Map<string, PendingCommit>();
let committing: Promise<void> | undefined;
let commitFailing = false;
let consumed = 0;
let deadLettered = 0;
let stopping = false;
let lagTimer: NodeJS.Timeout | undefined;
let lagFailing = false;

/** Waits until an answer frees room (or `ms` pass, so the caller can heartbeat). */
async function roomOrTimeout(ms: number): Promise<void> {
  const room = new AbortController();
  const wake = (): void => room.abort();
  wakeFetcher = wake;
  await sleep(ms, { signal: room.signal });
  if (wakeFetcher === wake) wakeFetcher = undefined;
}

async function eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
  const messages = batch.messages;
  for (let start = 0; start < messages.length; start += maxEventsPerSubmit) {
    while (inFlightMessages >= MAX_IN_FLIGHT_MESSAGES && !stopping) {
      await roomOrTimeout(1000);
      if (!isRunning() || isStale()) return;
      await heartbeat();
    }
    if (stopping || !isRunning() || isStale()) return;
    const chunk = messages.slice(start, start + maxEventsPerSubmit);
    const id = nextId++;
    const last = chunk[chunk.length - 1]!.offset;
    inFlight.set(id, { topic: batch.topic, partition: batch.partition, messages: chunk, nextOffset: (BigInt(last) + 1n).toString() });
    inFlightMessages += chunk.length;
    const wire = packChunk(id, batch.topic, batch.partition, chunk);
    post({ t: 'chunk', chunk: wire }, chunkTransferList(wire));
    // Fetching goes on past it; what is committed is decided by the answers alone.
    resolveOffset(last);
  }
  await heartbeat();
}

function deadLetterCopy(message: KafkaMessage, reason: string, topic: string, partition: number): Message {
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

/** Copies the rejected messages to the dead-letter topic, trying until it works or the thread stops. */
async function sendDeadLetters(chunk: InFlight, rejected: readonly RejectedMessage[]): Promise<boolean> {
  const copies = rejected.map(({ index, reason }) => deadLetterCopy(chunk.messages[index]!, reason, chunk.topic, chunk.partition));
  for (;;) {
    try {
      await producer.send({ topic: deadLetterTopic, messages: copies, acks: -1 });
      deadLettered += copies.length;
      const first = copies[0]!.headers!;
      log(
        `kafka: ${copies.length} message(s) from ${chunk.topic}:${chunk.partition} sent to ${deadLetterTopic}` +
          ` (offset ${String(first['vigil-offset'])}: ${String(first['vigil-error'])})`,
      );
      return true;
    } catch (error) {
      log(`kafka: sending to ${deadLetterTopic} failed, retrying: ${errorText(error)}`);
      if (stopping) return false;
      await sleep(RETRY_WAIT_MS);
    }
  }
}

/** Commits what is pending, folding answers that arrive meanwhile into the next commit. */
async function commitPending(): Promise<void> {
  while (pending.size > 0) {
    const batch = [...pending.values()];
    pending.clear();
    try {
      await consumer.commitOffsets(batch.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
      for (const p of batch) consumed += p.messages;
      post({ t: 'progress', consumed, deadLettered });
      if (commitFailing) log('kafka: committing offsets works again');
      commitFailing = false;
    } catch (error) {
      if (!commitFailing) log(`kafka: committing offsets failed, retrying: ${errorText(error)}`);
      commitFailing = true;
      // Put them back under newer answers for the same partitions.
      for (const p of batch) {
        const key = `${p.topic}:${p.partition}`;
        const newer = pending.get(key);
        if (newer === undefined) pending.set(key, p);
        else newer.messages += p.messages;
      }
      if (stopping) return;
      await sleep(RETRY_WAIT_MS);
    }
  }
}

function commitSoon(): Promise<void> {
  committing ??= commitPending().finally(() => (committing = undefined));
  return committing;
}

/** The engine applied a chunk: dead-letter its rejects, then commit past it. */
async function done(id: number, rejected: readonly RejectedMessage[]): Promise<void> {
  const chunk = inFlight.get(id);
  if (chunk === undefined) return;
  if (rejected.length > 0 && !(await sendDeadLetters(chunk, rejected))) return;
  inFlight.delete(id);
  inFlightMessages -= chunk.messages.length;
  wakeFetcher?.();
  const key = `${chunk.topic}:${chunk.partition}`;
  const entry = pending.get(key);
  if (entry === undefined) pending.set(key, { topic: chunk.topic, partition: chunk.partition, offset: chunk.nextOffset, messages: chunk.messages.length });
  else {
    entry.offset = chunk.nextOffset;
    entry.messages += chunk.messages.length;
  }
  void commitSoon();
}

async function measureLag(): Promise<void> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...options.topics] });
  const lag: [string, number][] = [];
  for (const { topic, partitions } of committed) {
    const ends = await admin.fetchTopicOffsets(topic);
    const byPartition = new Map(partitions.map((p) => [p.partition, Number(p.offset)]));
    for (const end of ends) {
      const high = Number(end.high);
      const doneUpTo = byPartition.get(end.partition) ?? -1;
      const from = doneUpTo >= 0 ? doneUpTo : fromBeginning ? Number(end.low) : high;
      lag.push([`${topic}:${end.partition}`, Math.max(0, high - from)]);
    }
  }
  post({ t: 'stats', lag });
}

function scheduleLag(): void {
  lagTimer = setTimeout(async () => {
    try {
      await measureLag();
      if (lagFailing) log('kafka: lag measurement works again');
      lagFailing = false;
    } catch (error) {
      if (!lagFailing && !stopping) log(`kafka: measuring lag failed: ${errorText(error)}`);
      lagFailing = true;
    }
    if (!stopping) scheduleLag();
  }, lagIntervalMs);
}

async function disconnectAll(): Promise<void> {
  const steps = [consumer.disconnect(), producer.disconnect(), admin.disconnect()];
  for (const step of steps) await step.catch((error: unknown) => log(`kafka: disconnecting failed: ${errorText(error)}`));
}

async function start(): Promise<void> {
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) log(`kafka: consumer stopped after an error it cannot retry: ${errorText(payload.error)}`);
  });
  try {
    await Promise.all([producer.connect(), admin.connect(), consumer.connect()]);
    await consumer.subscribe({ topics: [...options.topics], fromBeginning });
    // Nothing is committed by kafkajs itself: only `done` answers lead to commits.
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch });
  } catch (error) {
    await disconnectAll();
    post({ t: 'failed', error: errorText(error) });
    return;
  }
  post({ t: 'started' });
  scheduleLag();
}

/** Commits what the engine answered, then leaves the group. */
async function stop(): Promise<void> {
  stopping = true;
  clearTimeout(lagTimer);
  wakeFetcher?.();
  try {
    consumer.pause(options.topics.map((topic) => ({ topic })));
  } catch {
    // Not running (it never started): nothing to pause.
  }
  await commitSoon();
  await disconnectAll();
  post({ t: 'stopped' });
  port.close();
}

// Answers are handled one after another, so dead letters and commits keep the engine's order.
let queue = Promise.resolve();
port.on('message', (message: ToConsumer) => {
  queue = queue.then(() => (message.t === 'done' ? done(message.id, message.rejected) : stop())).catch((error: unknown) => log(`kafka: ${errorText(error)}`));
});

void start();
