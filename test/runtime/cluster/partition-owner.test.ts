import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { Core } from '../../../engine/core.js';
import { clusterTopics, ensureClusterTopics } from '../../../runtime/cluster/cluster-topics.js';
import { PartitionOwner } from '../../../runtime/cluster/partition-owner.js';
import { compileBenchRules } from '../../../bench/compile-rules.js';
import { kcatRead, ensureKcat, startKafka, type KafkaServer } from '../../support/kafka.js';

let kafka: KafkaServer;

before(async () => {
  kafka = await startKafka();
  await ensureKcat();
});

after(async () => {
  await kafka?.stop();
});

test('a zombie owner fenced by a newer one has its late transaction refused; nothing it decided reaches the outbox', async () => {
  const client = new Kafka({ clientId: 'owner-test', brokers: [kafka.brokers], logLevel: logLevel.NOTHING });
  const admin = client.admin();
  await admin.connect();
  const topics = clusterTopics('fence');
  await ensureClusterTopics(admin, topics, 1);
  const set = compileBenchRules('channel chat log {}\nrule down { when latest health where check == "web" by host is status == "down" notify chat }\n');
  const newCore = () => new Core({ rules: { rules: set.rules, policies: set.policies }, externalChannels: [], incidentUrl: (id) => id, maxGroupsPerRule: 100 });
  const lost: boolean[] = [];
  const options = { partition: 0, kafka: client, topics, newCore, transactionTimeoutMs: 30_000, onChange: () => undefined, onBadRecord: () => undefined, onLost: (fenced: boolean) => void lost.push(fenced) };
  const record = (host: string, offset: number) => ({ key: null, value: Buffer.from(JSON.stringify({ stream: 'health', check: 'web', host, status: 'down', time: Date.now() })), offset: String(offset), timestamp: '0', attributes: 0, headers: {} }) as never;

  const zombie = await PartitionOwner.open(options);
  zombie.restore(undefined);
  assert.equal(await zombie.process([record('h1', 0)]), true);

  // A new owner opens the same transactional id: the broker bumps the epoch.
  const successor = await PartitionOwner.open({ ...options, onLost: () => assert.fail('the successor was fenced') });
  successor.restore(undefined);
  assert.equal(await zombie.process([record('h2', 1)]), false, 'the zombie commit is refused');
  assert.deepEqual(lost, [true]);
  assert.equal(await successor.process([record('h3', 1)]), true);

  const outbox = await kcatRead(kafka.brokers, topics.outbox);
  const hosts = outbox.map((m) => (JSON.parse(m.payload!) as { notification: { incident: { labels: { host: string } } } }).notification.incident.labels.host).sort();
  assert.deepEqual(hosts, ['h1', 'h3'], 'h2 was decided by the zombie only');
  await zombie.close();
  await successor.close();
  await admin.disconnect();
});
