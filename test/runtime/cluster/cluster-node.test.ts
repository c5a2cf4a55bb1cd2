import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startKafka, type KafkaServer } from '../../support/kafka.js';
import { eventually, getJson, postJson, startVigilProcess, writeVigilFiles, type VigilProcess } from '../../support/vigil-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';

// Three `vigil run` processes in one cluster on a real broker; one is killed with SIGKILL
// while events stream in, and the other two take over its partitions.

const HOSTS = 60;
let kafka: KafkaServer;
let hook: WebhookReceiver;
const nodes: VigilProcess[] = [];

function config(brokers: string): string {
  return [
    'rules: ./rules',
    'data: ./data',
    'http:',
    '  listen: 127.0.0.1:0',
    'kafka:',
    `  brokers: ["${brokers}"]`,
    '  sessionTimeout: 6s',
    'cluster:',
    '  enabled: true',
    '  topicPrefix: e2e',
    '  partitions: 6',
    'notifications:',
    '  backoff: 100ms',
    '',
  ].join('\n');
}

function rules(hookUrl: string): Record<string, string> {
  return {
    'web.vigil': [
      `channel chat webhook { url "${hookUrl}" }`,
      'rule web_down {',
      '  when latest health where check == "web" by host is status == "down"',
      '  severity critical',
      '  summary "web is down on {host}"',
      '  notify chat',
      '}',
      '',
    ].join('\n'),
  };
}

/** Which node owns each partition, from the lines they logged: the newest generation taken, unless that node let go since. */
function owners(): Map<number, number> {
  const best = new Map<number, { node: number; generation: number; left: boolean }>();
  nodes.forEach((n, i) => {
    for (const m of n.stderr().matchAll(/cluster: partition (\d+) (?:taken \(generation (\d+)|(left))/g)) {
      const p = Number(m[1]);
      const b = best.get(p);
      if (m[3] === 'left') {
        if (b?.node === i) b.left = true;
        continue;
      }
      const generation = Number(m[2]);
      if (b === undefined || generation > b.generation) best.set(p, { node: i, generation, left: false });
      else if (b.node === i && generation === b.generation) b.left = false;
    }
  });
  return new Map([...best].filter(([, b]) => !b.left).map(([p, b]) => [p, b.node]));
}

before(async () => {
  kafka = await startKafka();
  hook = await startWebhookReceiver();
  for (let i = 0; i < 3; i++) {
    const dir = await mkdtemp(path.join(tmpdir(), `vigil-cluster-${i}-`));
    nodes.push(await startVigilProcess(dir, await writeVigilFiles(dir, config(kafka.brokers), rules(hook.url))));
  }
  // Every partition has an owner before the load starts.
  await eventually(() => owners().size === 6, 'all six partitions owned', 120_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${nodes.map((n, i) => `node ${i}:\n${n.stderr().slice(-3000)}`).join('\n')}`);
  });
});

after(async () => {
  for (const n of nodes) await n.stop().catch(() => undefined);
  await hook?.stop();
  await kafka?.stop();
});

test('kill -9 of the busiest owner during a load: every accepted event counts, each incident opens once, each notification arrives once', async () => {
  const byNode = new Map<number, number>();
  for (const node of owners().values()) byNode.set(node, (byNode.get(node) ?? 0) + 1);
  const victim = [...byNode].sort((a, b) => b[1] - a[1])[0]![0];
  const alive = [0, 1, 2].filter((i) => i !== victim);

  const accepted: string[] = [];
  const post = async (host: number, via: number[]): Promise<void> => {
    const node = nodes[via[host % via.length]!]!;
    const r = await postJson(`${node.url}/v1/events`, { stream: 'health', check: 'web', host: `h${host}`, status: 'down' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.accepted, 1);
    accepted.push(`h${host}`);
  };
  // The first half through all three; the owner is killed while they are being applied.
  await Promise.all(Array.from({ length: HOSTS / 2 }, (_, h) => post(h, [0, 1, 2])));
  await nodes[victim]!.kill();
  await Promise.all(Array.from({ length: HOSTS / 2 }, (_, h) => post(HOSTS / 2 + h, alive)));
  assert.equal(accepted.length, HOSTS);

  type Sent = { key: string; kind: string; incident: { labels: { host: string } } };
  const sent = (): Sent[] => hook.requests.flatMap((r) => (r.json as { notifications?: Sent[] } | undefined)?.notifications ?? []);
  const firingHosts = (): string[] => sent().filter((n) => n.kind === 'firing').map((n) => n.incident.labels.host);
  await eventually(() => new Set(firingHosts()).size === HOSTS, `a firing notification for each of the ${HOSTS} hosts`, 120_000).catch((e: Error) => {
    throw new Error(`${e.message}: ${new Set(firingHosts()).size} arrived\n${nodes.map((n, i) => `node ${i}:\n${n.stderr().slice(-3000)}\n${n.stdout().slice(-1500)}`).join('\n')}`);
  });

  // Incidents: one per host, the same list from either survivor.
  const lists = await Promise.all(alive.map((i) => getJson(`${nodes[i]!.url}/v1/incidents?limit=1000`)));
  for (const list of lists) {
    const hosts = (list.json.incidents as { labels: { host: string } }[]).map((i) => i.labels.host).sort();
    assert.deepEqual(hosts, [...accepted].sort(), 'each host exactly once');
  }
  // Counted at the receiver, not deduplicated there: each notification key arrived once.
  const keys = sent().map((n) => n.key);
  assert.equal(new Set(keys).size, keys.length, `no key twice: ${keys.length} requests`);
  assert.equal(firingHosts().length, HOSTS);
  // The survivors took the victim's partitions.
  assert.ok([...owners().values()].every((n) => n !== victim));
});
