/**
 * Kafka benchmark: 1M JSON events on a 4-partition topic, consumed in the same run by a
 * bare kafkajs consumer that only parses each message, and by vigil's Kafka source feeding
 * 100 compiled rules (consumer thread, validation, journal append, rule evaluation, offsets
 * committed after each submit, with the source's default chunk size). The two alternate
 * for VIGIL_BENCH_ROUNDS rounds (default 3), each round a new consumer group reading the
 * whole topic; prints every round, the medians and their ratio, then one JSON line.
 * Run: `npm run bench:kafka` (starts its own broker, like the tests).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Core, type Input } from '../engine/core.js';
import { eventsInputJson } from '../engine/model/event-json.js';
import { createKafkaSource } from '../sinks/kafka/kafka-source.js';
import { Journal } from '../sinks/store/journal.js';
import { createTopic, startKafka } from '../test/support/kafka.js';
import { median } from './median.js';
import { compileBenchRules } from './compile-rules.js';

const EVENTS = Number(process.env.VIGIL_BENCH_EVENTS ?? 1_000_000);
const ROUNDS = Number(process.env.VIGIL_BENCH_ROUNDS ?? 3);
const TOPIC = 'bench-events';

function rules(): string {
  const out: string[] = [];
  for (let i = 0; i < 60; i++) out.push(`rule errors_${i} { when logs where service == "svc${i}" and level == "error" }`);
  for (let i = 0; i < 25; i++) out.push(`rule slow_${i} { when avg(duration_ms) of logs where service == "svc${i}" over 1m by host > 900 }`);
  for (let i = 0; i < 15; i++) out.push(`rule burst_${i} { when count of logs where service == "svc${i}" and level == "error" over 1m by host > 500 }`);
  return out.join('\n');
}

async function produce(brokers: string): Promise<void> {
  const producer = new Kafka({ clientId: 'bench', brokers: [brokers], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  const levels = ['info', 'info', 'info', 'warning', 'error'];
  const batch = 5000;
  for (let i = 0; i < EVENTS; i += batch) {
    const messages = [];
    for (let j = i; j < Math.min(EVENTS, i + batch); j++) {
      messages.push({
        key: `host${j % 500}`,
        value: JSON.stringify({ host: `host${j % 500}`, service: `svc${j % 80}`, level: levels[j % levels.length], duration_ms: (j * 7919) % 1000, message: 'GET /api/msgs 200' }),
      });
    }
    await producer.send({ topic: TOPIC, messages });
  }
  await producer.disconnect();
}

/** A bare consumer: parses each message value, nothing else. */
async function bare(brokers: string, round: number): Promise<number> {
  const consumer = new Kafka({ clientId: 'bench-bare', brokers: [brokers], logLevel: logLevel.NOTHING }).consumer({ groupId: `bench-bare-${round}` });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  let seen = 0;
  let started = 0;
  const done = new Promise<number>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (started === 0) started = performance.now();
        for (const m of batch.messages) if (JSON.parse(m.value!.toString()) !== null) seen++;
        if (seen >= EVENTS) resolve(performance.now());
      },
    });
  });
  const end = await done;
  await consumer.disconnect();
  return EVENTS / ((end - started) / 1000);
}

/** vigil's source into journal + core, as the service wires it (minus HTTP). */
async function vigil(brokers: string, round: number): Promise<number> {
  const set = compileBenchRules(rules());
  const core = new Core({
    start: Date.now(),
    rules: { rules: set.rules, policies: set.policies },
    externalChannels: [],
    incidentUrl: (id) => id,
    maxGroupsPerRule: 100_000,
  });
  core.start();
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-kafka-bench-'));
  const { journal } = await Journal.open<unknown, Input>({ dir });
  let seen = 0;
  let started = 0;
  let resolveDone: (t: number) => void = () => {};
  const done = new Promise<number>((r) => (resolveDone = r));
  const source = createKafkaSource({
    brokers: [brokers],
    clientId: 'bench-vigil',
    groupId: `bench-vigil-${round}`,
    topics: [{ topic: TOPIC, stream: 'logs', format: 'json' }],
    deadLetterTopic: 'bench-dead',
    submit: async (events, json) => {
      if (started === 0) started = performance.now();
      const input: Input = { t: 'events', at: Math.max(Date.now(), core.now), events };
      journal.appendMany([input], [eventsInputJson(input.at, events, json)]);
      core.apply(input);
      seen += events.length;
      if (seen >= EVENTS) resolveDone(performance.now());
      return 'ok';
    },
    log: () => {},
  });
  await source.start();
  const end = await done;
  await source.stop();
  await journal.close();
  await rm(dir, { recursive: true, force: true });
  return EVENTS / ((end - started) / 1000);
}

async function main(): Promise<void> {
  const kafka = await startKafka();
  try {
    await createTopic(kafka.brokers, TOPIC, 4);
    await createTopic(kafka.brokers, 'bench-dead', 1);
    const t0 = performance.now();
    await produce(kafka.brokers);
    process.stdout.write(`produced ${EVENTS.toLocaleString('en-US')} JSON events to a 4-partition topic in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    // The machine is shared: alternate the two consumers and compare their medians.
    const bareRates: number[] = [];
    const vigilRates: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      bareRates.push(await bare(kafka.brokers, round));
      vigilRates.push(await vigil(kafka.brokers, round));
      process.stdout.write(
        `round ${round}: bare kafkajs consumer (parse only) ${Math.round(bareRates.at(-1)!).toLocaleString('en-US')} events/s,` +
          ` vigil source + journal + 100 rules ${Math.round(vigilRates.at(-1)!).toLocaleString('en-US')} events/s\n`,
      );
    }
    const bareRate = median(bareRates);
    const vigilRate = median(vigilRates);
    const ratio = vigilRate / bareRate;
    process.stdout.write(`median of ${ROUNDS} rounds: bare ${Math.round(bareRate).toLocaleString('en-US')}, vigil ${Math.round(vigilRate).toLocaleString('en-US')} events/s, ratio ${ratio.toFixed(2)}\n`);
    process.stdout.write(JSON.stringify({ kafka_events_per_sec: Math.round(vigilRate), bare_consumer_events_per_sec: Math.round(bareRate), ratio: Number(ratio.toFixed(2)) }) + '\n');
  } finally {
    await kafka.stop();
  }
}

await main();
