import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import kafkajs, { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import type { Sink } from '../../../engine/model/notification.js';
import { createKafkaProducer, createKafkaSink } from '../../../sinks/kafka/kafka-sink.js';
import { createTopic, ensureKcat, kcatRead, startKafka, type KafkaServer } from '../../support/kafka.js';
import { sampleBatch, sampleNotification, sendFailure, sinkContract, unusedPort } from '../sink-contract.js';

let kafka: KafkaServer;
let producer: Producer;
let admin: Admin;
let counter = 0;
const unique = (base: string) => `${base}-${++counter}`;
const never = () => new AbortController().signal;

before(async () => {
  [kafka] = await Promise.all([startKafka(), ensureKcat()]);
  producer = createKafkaProducer({ brokers: [kafka.brokers], clientId: 'vigil-test' });
  admin = new Kafka({ clientId: 'vigil-test-admin', brokers: [kafka.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
});
after(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await kafka?.stop();
});

/** Sets the topic's largest accepted batch and waits until the broker reports it. */
async function setMaxMessageBytes(topic: string, value: string): Promise<void> {
  // The CommonJS module's named-export detection stops before ConfigResourceTypes.
  const resource = { type: kafkajs.ConfigResourceTypes.TOPIC, name: topic };
  await admin.alterConfigs({ validateOnly: false, resources: [{ ...resource, configEntries: [{ name: 'max.message.bytes', value }] }] });
  for (let i = 0; i < 100; i++) {
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ ...resource, configNames: ['max.message.bytes'] }] });
    if (resources[0]?.configEntries[0]?.configValue === value) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`max.message.bytes of ${topic} did not become ${value}`);
}

sinkContract('kafka sink', async () => {
  const topic = unique('contract');
  await createTopic(kafka.brokers, topic, 1);
  const real = createKafkaSink({ name: 'ops-kafka', topic, producer, timeoutMs: 5000 });
  let keys: string[] = [];
  let next: 'deliver' | 'refuse' | 'hang' = 'deliver';
  // The real sink, plus what a test needs around it: the broker made to refuse (messages
  // too large for the topic) or to hang (SIGSTOP) for the next delivery, and the keys read
  // back from the topic after every send.
  const sink: Sink = {
    name: real.name,
    async send(batch, signal) {
      const mode = next;
      next = 'deliver';
      if (mode === 'refuse') await setMaxMessageBytes(topic, '64');
      if (mode === 'hang') kafka.freeze();
      try {
        await real.send(batch, signal);
      } finally {
        if (mode === 'hang') kafka.thaw();
        if (mode === 'refuse') await setMaxMessageBytes(topic, '1048588');
        keys = (await kcatRead(kafka.brokers, topic)).map((m) => m.headers.get('vigil-key') ?? '');
      }
    },
  };
  return {
    sink,
    secrets: [],
    receivedKeys: () => keys,
    failTemporarily: () => {
      next = 'hang';
      return 'timeout';
    },
    failPermanently: () => {
      next = 'refuse';
      return 'config';
    },
    stall: () => {
      next = 'hang';
    },
    unreachable: async () =>
      createKafkaSink({
        name: 'ops-kafka',
        topic,
        producer: createKafkaProducer({ brokers: [`127.0.0.1:${await unusedPort()}`], clientId: 'vigil-test' }),
      }),
    stop: async () => kafka.thaw(),
  };
});

test('kafka sink: one message per notification, keyed by incident, with the documented value and vigil-key', async () => {
  const topic = unique('alerts');
  await createTopic(kafka.brokers, topic, 1);
  const sink = createKafkaSink({ name: 'ops-kafka', topic, producer });
  await sink.send(sampleBatch(), never());

  const messages = await kcatRead(kafka.brokers, topic);
  assert.deepEqual(
    messages.map((m) => [m.key, m.headers.get('vigil-key')]),
    [
      ['inc-1', 'inc-1:firing:0'],
      ['inc-2', 'inc-2:resolved:0'],
    ],
  );
  assert.ok(messages[0]!.payload!.startsWith('{"channel":"ops-kafka","key":"inc-1:firing:0","kind":"firing",'), messages[0]!.payload ?? 'no value');
  assert.deepEqual(
    messages.map((m) => JSON.parse(m.payload!) as unknown),
    [
      {
        channel: 'ops-kafka',
        key: 'inc-1:firing:0',
        kind: 'firing',
        time: '2026-03-01T12:00:30.000Z',
        step: 0,
        incident: {
          id: 'inc-1',
          rule: 'minitwit_down',
          state: 'firing',
          severity: 'critical',
          labels: { host: 'web1' },
          value: 0,
          summary: 'MiniTwit is down on web1',
          openedAt: '2026-03-01T12:00:00.000Z',
          resolvedAt: null,
          url: 'https://vigil.example.org/incidents/inc-1',
        },
      },
      {
        channel: 'ops-kafka',
        key: 'inc-2:resolved:0',
        kind: 'resolved',
        time: '2026-03-01T13:00:00.000Z',
        step: 0,
        incident: {
          id: 'inc-2',
          rule: 'minitwit_down',
          state: 'resolved',
          severity: 'critical',
          labels: { host: 'web2' },
          value: 1,
          summary: 'MiniTwit is down on web2',
          openedAt: '2026-03-01T12:00:00.000Z',
          resolvedAt: '2026-03-01T13:00:00.000Z',
          url: 'https://vigil.example.org/incidents/inc-2',
        },
      },
    ],
  );
});

test('kafka sink: messages about one incident share a partition', async () => {
  const topic = unique('partitioned');
  await createTopic(kafka.brokers, topic, 4);
  const sink = createKafkaSink({ name: 'ops-kafka', topic, producer });
  const ids = ['inc-a', 'inc-b', 'inc-c', 'inc-d', 'inc-e'];
  for (const kind of ['firing', 'repeat', 'resolved'] as const) {
    await sink.send(
      ids.map((id) => sampleNotification({ key: `${id}:${kind}:0`, kind, incident: { id } })),
      never(),
    );
  }
  const messages = await kcatRead(kafka.brokers, topic);
  assert.equal(messages.length, 15);
  for (const id of ids) {
    const mine = messages.filter((m) => m.key === id);
    assert.equal(new Set(mine.map((m) => m.partition)).size, 1, `${id} spread over partitions`);
    assert.deepEqual(
      mine.map((m) => m.headers.get('vigil-key')),
      [`${id}:firing:0`, `${id}:repeat:0`, `${id}:resolved:0`],
    );
  }
});

test('kafka sink: channels share one producer, which reconnects after a disconnect', async () => {
  const [first, second] = [unique('shared'), unique('shared')];
  await Promise.all([createTopic(kafka.brokers, first, 1), createTopic(kafka.brokers, second, 1)]);
  const shared = createKafkaProducer({ brokers: [kafka.brokers], clientId: 'vigil-test-shared' });
  try {
    const a = createKafkaSink({ name: 'a', topic: first, producer: shared });
    const b = createKafkaSink({ name: 'b', topic: second, producer: shared });
    await Promise.all([a.send([sampleNotification()], never()), b.send([sampleNotification()], never())]);
    await shared.disconnect();
    await a.send([sampleNotification({ key: 'inc-1:repeat:0', kind: 'repeat' })], never());
    assert.deepEqual(
      (await kcatRead(kafka.brokers, first)).map((m) => m.headers.get('vigil-key')),
      ['inc-1:firing:0', 'inc-1:repeat:0'],
    );
    assert.deepEqual(
      (await kcatRead(kafka.brokers, second)).map((m) => JSON.parse(m.payload!).channel as unknown),
      ['b'],
    );
  } finally {
    await shared.disconnect();
  }
});

test('kafka sink: an unreachable cluster fails fast as a retryable connection error', async () => {
  const sink = createKafkaSink({
    name: 'ops-kafka',
    topic: 'anything',
    producer: createKafkaProducer({ brokers: [`127.0.0.1:${await unusedPort()}`], clientId: 'vigil-test' }),
  });
  const startedAt = performance.now();
  const error = await sendFailure(sink, []);
  assert.equal(error.reason, 'connection');
  assert.equal(error.retryable, true);
  assert.ok(performance.now() - startedAt < 5000, 'took longer than 5 s');
});
