import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { createTopic, ensureKcat, kcatRead, startKafka, type KafkaServer } from '../support/kafka.js';
import { startQuestDb, type QuestDbServer } from '../support/questdb.js';
import { eventually, getJson, startVigilProcess, writeVigilFiles } from '../support/vigil-process.js';

let kafka: KafkaServer;
let questdb: QuestDbServer;
let producer: Producer;

const RULES = {
  'kafka.vigil': [
    'channel alerts kafka { topic "vigil-alerts" }',
    'rule fatal_seen {',
    '  when logs where level == "fatal" by host quiet 1h',
    '  severity critical',
    '  notify alerts',
    '}',
    '',
  ].join('\n'),
};

function config(): string {
  return [
    'rules: ./rules',
    'data: ./data',
    'http:',
    '  listen: 127.0.0.1:0',
    'kafka:',
    `  brokers: [${kafka.brokers}]`,
    '  groupId: vigil-e2e',
    '  topics:',
    '    - {topic: app-logs, stream: logs}',
    '  deadLetterTopic: vigil-dead',
    // A crashed vigil's partitions move to its successor this soon.
    '  sessionTimeout: 6s',
    'questdb:',
    `  config: "${questdb.config}"`,
    '  events: [logs]',
    '',
  ].join('\n');
}

before(async () => {
  [kafka, questdb] = await Promise.all([startKafka(), startQuestDb(), ensureKcat()]);
  await createTopic(kafka.brokers, 'app-logs', 4);
  await createTopic(kafka.brokers, 'vigil-alerts', 1);
  await createTopic(kafka.brokers, 'vigil-dead', 1);
  producer = new Kafka({ clientId: 'e2e', brokers: [kafka.brokers], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
});

after(async () => {
  await producer?.disconnect();
  await kafka?.stop();
  await questdb?.dispose();
});

const fatal = (host: string) => ({ key: host, value: JSON.stringify({ level: 'fatal', host, message: 'out of memory' }) });

test('events from Kafka fire alerts that go out on a Kafka channel; poison goes to the dead letters; the timeline lands in QuestDB', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-kafka-'));
  const file = await writeVigilFiles(dir, config(), RULES);
  const vigil = await startVigilProcess(dir, file);
  try {
    await producer.send({ topic: 'app-logs', messages: [fatal('a'), { key: 'x', value: '{not json' }, fatal('b')] });
    await eventually(async () => (await getJson(`${vigil.url}/v1/incidents`)).json.incidents.length === 2, 'two incidents from Kafka', 30_000);

    const alerts = await eventually(async () => {
      const read = await kcatRead(kafka.brokers, 'vigil-alerts');
      return read.length >= 2 && read;
    }, 'the notifications on the Kafka channel', 30_000);
    const value = JSON.parse(alerts[0]!.payload!) as { channel: string; kind: string; incident: { id: string; rule: string } };
    assert.equal(value.channel, 'alerts');
    assert.equal(value.kind, 'firing');
    assert.equal(alerts[0]!.key, value.incident.id);

    const dead = await eventually(async () => {
      const read = await kcatRead(kafka.brokers, 'vigil-dead');
      return read.length >= 1 && read;
    }, 'the poison message in the dead-letter topic', 30_000);
    assert.equal(dead[0]!.payload, '{not json');

    // The timeline and the raw events reach QuestDB.
    await eventually(async () => {
      const r = await questdb.sql("select count() from vigil_timeline where kind = 'firing'");
      return Number(r.dataset[0]![0]) >= 2;
    }, 'the timeline in QuestDB', 30_000);
    await eventually(async () => {
      const r = await questdb.sql("select count() from vigil_events where stream = 'logs'");
      return Number(r.dataset[0]![0]) >= 2;
    }, 'the events in QuestDB', 30_000);
  } finally {
    await vigil.stop();
  }

  // A fresh vigil with no state of its own reads the older timeline back from QuestDB.
  const fresh = await mkdtemp(path.join(tmpdir(), 'vigil-kafka-fresh-'));
  // It reads no Kafka topic: whatever it shows comes from QuestDB.
  const freshConfig = config().replace(/  topics:\n    - \{topic: app-logs, stream: logs\}\n/, '');
  const freshVigil = await startVigilProcess(fresh, await writeVigilFiles(fresh, freshConfig, RULES));
  try {
    const timeline = await eventually(async () => {
      const r = await getJson(`${freshVigil.url}/v1/timeline?until=${new Date(Date.now() - 1).toISOString()}&limit=1000`);
      const kinds = (r.json.entries as { kind: string }[]).map((e) => e.kind);
      return kinds.filter((k) => k === 'firing').length >= 2 && kinds;
    }, 'the timeline read back through the API', 30_000);
    assert.ok(timeline.includes('notified'));
    const incidents = await eventually(async () => {
      const r = await getJson(`${freshVigil.url}/v1/incidents?rule=fatal_seen`);
      return (r.json.incidents as unknown[]).length >= 2 && (r.json.incidents as { labels: { host: string } }[]);
    }, 'the incidents read back through the API', 30_000);
    assert.deepEqual(incidents.map((i) => i.labels.host).sort(), ['a', 'b']);
  } finally {
    await freshVigil.stop();
  }
});

test('kill -9 in the middle of a Kafka stream and a restart lose no alert', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-kafka-kill-'));
  const file = await writeVigilFiles(dir, config().replace('groupId: vigil-e2e', 'groupId: vigil-e2e-kill').replace('events: [logs]', 'events: []'), RULES);
  let vigil = await startVigilProcess(dir, file);
  const hosts = Array.from({ length: 200 }, (_, i) => `k${i}`);
  try {
    const sending = (async () => {
      for (let i = 0; i < hosts.length; i += 10) await producer.send({ topic: 'app-logs', messages: hosts.slice(i, i + 10).map(fatal) });
    })();
    await eventually(async () => (await getJson(`${vigil.url}/v1/incidents?limit=1000`)).json.incidents.length > 20, 'some incidents before the kill', 30_000);
    await vigil.kill();
    await sending;
    vigil = await startVigilProcess(dir, file);
    await eventually(async () => {
      const r = await getJson(`${vigil.url}/v1/incidents?limit=1000`);
      const seen = new Set((r.json.incidents as { labels: { host: string } }[]).map((i) => i.labels.host));
      return hosts.every((h) => seen.has(h));
    }, 'an incident for every host sent', 40_000);
    const r = await getJson(`${vigil.url}/v1/incidents?limit=1000&rule=fatal_seen`);
    const kHosts = (r.json.incidents as { labels: { host: string } }[]).map((i) => i.labels.host).filter((h) => h.startsWith('k'));
    assert.equal(new Set(kHosts).size, kHosts.length, 'one incident per host: events consumed twice do not open a second one');
  } finally {
    await vigil.stop();
  }
});
