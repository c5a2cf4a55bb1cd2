import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import snappy from 'snappyjs';
import { ensurePrometheusTools, startPrometheusRemoteWrite, type Server } from '../../support/prometheus.js';
import { encodeWriteRequest, postRemoteWrite } from '../../support/remote-write.js';
import { eventually, getJson, startVigilProcess, writeVigilFiles, type VigilProcess } from '../../support/vigil-process.js';

/**
 * A real Prometheus 2.42 scrapes a demo target and remote-writes every sample to vigil:
 * the samples arrive with their labels and a rule fires on them; while vigil's intake
 * queue is kept full it answers 429, Prometheus retries, and no sample is lost.
 */

const WRITER = 'writer-token-for-tests';
const ADMIN = 'admin-token-for-tests';
const admin = { authorization: `Bearer ${ADMIN}` };
/** Small, so a stream of other events keeps it full and remote writes get 429. */
const MAX_QUEUED = 1000;

let seq = 0;
let target: HttpServer;
let vigil: VigilProcess;
let prometheus: Server;
let writeUrl: string;

before(async () => {
  await ensurePrometheusTools();
  // demo_seq counts the scrapes: every value from the first to the last must reach vigil.
  target = createServer((_req, res) => {
    seq++;
    res.end(`# TYPE demo_load gauge\ndemo_load{service="web"} 3\n# TYPE demo_seq counter\ndemo_seq{service="web"} ${seq}\n`);
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-rw-'));
  const config = [
    'rules: ./rules',
    'data: ./data',
    'http:',
    '  listen: 127.0.0.1:0',
    `  maxQueuedEvents: ${MAX_QUEUED}`,
    'auth:',
    '  tokens: [{name: admin, role: admin, env: VIGIL_ADMIN_TOKEN}, {name: prometheus, role: write, env: VIGIL_WRITER_TOKEN}]',
    // Retried batches arrive late; a long lateness keeps them in.
    'time: {lateness: 1h}',
    '',
  ].join('\n');
  const rules = {
    'metrics.vigil': [
      'rule load_high { when latest metrics where name == "demo_load" by labels.service, labels.job, labels.instance is value > 2 severity warning }',
      'rule seq_count { when count of metrics where name == "demo_seq" over 1h > 0 }',
      'rule seq_min { when min(value) of metrics where name == "demo_seq" over 1h > 0 }',
      'rule seq_max { when max(value) of metrics where name == "demo_seq" over 1h > 0 }',
      '',
    ].join('\n'),
  };
  vigil = await startVigilProcess(dir, await writeVigilFiles(dir, config, rules), { VIGIL_ADMIN_TOKEN: ADMIN, VIGIL_WRITER_TOKEN: WRITER });
  writeUrl = `${vigil.url}/api/v1/write`;
  prometheus = await startPrometheusRemoteWrite({
    scrapeTargets: [`127.0.0.1:${(target.address() as AddressInfo).port}`],
    remoteWrite: { url: writeUrl, bearerToken: WRITER, queueConfig: { max_samples_per_send: 100 } },
  });
});

after(async () => {
  await prometheus?.stop();
  await vigil?.stop();
  await new Promise((resolve) => target?.close(resolve));
});

/** A rule's one group value (the aggregate), or undefined before it has one. */
async function ruleValue(rule: string): Promise<number | undefined> {
  const { json } = await getJson(`${vigil.url}/v1/rules/${rule}`, admin);
  const v = json?.groups?.[0]?.value;
  return typeof v === 'number' ? v : undefined;
}

/** One counter of Prometheus' own /metrics (summed over its series). */
async function prometheusCounter(name: string): Promise<number> {
  const text = await (await fetch(`${prometheus.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

test('samples Prometheus remote-writes arrive with their labels and a rule fires on them', async () => {
  const line = await eventually(() => vigil.stdout().split('\n').find((l) => l.includes('"rule":"load_high"') && l.includes('"state":"firing"')), 'load_high firing', 120_000);
  const change = JSON.parse(line);
  assert.equal(change.labels['labels.service'], 'web');
  assert.equal(change.labels['labels.job'], 'demo');
  assert.equal(change.labels['labels.instance'], `127.0.0.1:${(target.address() as AddressInfo).port}`);
  assert.equal(change.value, null);
});

test('while the intake queue is full vigil answers 429, Prometheus retries, and no sample is lost', async () => {
  await eventually(async () => ((await ruleValue('seq_count')) ?? 0) >= 2, 'the first samples', 120_000);
  // Other events keep the queue near its bound, so remote-write batches do not fit.
  const flood = Array.from({ length: MAX_QUEUED - 5 }, (_, i) => ({ stream: 'flood', n: i }));
  const body = JSON.stringify(flood);
  let flooding = true;
  const flooders = Array.from({ length: 4 }, async () => {
    while (flooding) {
      await fetch(`${vigil.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${WRITER}` }, body }).then((r) => r.arrayBuffer(), () => undefined);
    }
  });
  const retriedBefore = await prometheusCounter('prometheus_remote_storage_samples_retried_total');
  await eventually(async () => (await prometheusCounter('prometheus_remote_storage_samples_retried_total')) > retriedBefore, 'Prometheus retrying after 429', 120_000);
  flooding = false;
  await Promise.all(flooders);
  const lastSeq = seq;
  // Every scrape from the first up to the last one during the flood arrives, each once.
  await eventually(async () => ((await ruleValue('seq_max')) ?? 0) >= lastSeq, `demo_seq ${lastSeq} in vigil`, 120_000);
  const [count, min, max] = [await ruleValue('seq_count'), await ruleValue('seq_min'), await ruleValue('seq_max')];
  assert.equal(min, 1);
  assert.equal(count, max! - min! + 1, `count ${count} of demo_seq ${min}..${max}`);
  assert.equal(await prometheusCounter('prometheus_remote_storage_samples_failed_total'), 0);
  assert.equal(await prometheusCounter('prometheus_remote_storage_samples_dropped_total'), 0);
});

test('a truncated snappy body and protobuf garbage are refused with 400 and counted; the next batch is taken', async () => {
  const auth = { authorization: `Bearer ${WRITER}` };
  const rejectedBefore = await rejectedMetrics();
  const good = snappy.compress(encodeWriteRequest([{ labels: { __name__: 'direct', job: 't' }, samples: [{ value: 1, timestampMs: Date.now() }] }]));
  const post = (body: Uint8Array, encoding = 'snappy') =>
    fetch(writeUrl, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': encoding, ...auth }, body }).then(async (r) => ({ status: r.status, json: (await r.json()) as { code: string; error: string } }));
  const truncated = await post(good.subarray(0, good.length - 4));
  assert.equal(truncated.status, 400);
  assert.equal(truncated.json.code, 'VIGIL_BAD_REQUEST');
  assert.match(truncated.json.error, /snappy/);
  const garbage = await post(snappy.compress(Buffer.from('this is not a protobuf message at all, just text')));
  assert.equal(garbage.status, 400);
  assert.match(garbage.json.error, /protobuf prometheus\.WriteRequest/);
  const plain = await post(encodeWriteRequest([]), 'identity');
  assert.equal(plain.status, 400);
  assert.match(plain.json.error, /Content-Encoding must be snappy/);
  assert.equal((await rejectedMetrics()) - rejectedBefore, 3);
  const unauthorized = await postRemoteWrite(writeUrl, [{ labels: { __name__: 'x' }, samples: [{ value: 1, timestampMs: Date.now() }] }]);
  assert.equal(unauthorized.status, 401);
  const ok = await postRemoteWrite(writeUrl, [{ labels: { __name__: 'direct', job: 't' }, samples: [{ value: 1, timestampMs: Date.now() }] }], auth);
  assert.equal(ok.status, 204);
  const partly = await postRemoteWrite(
    writeUrl,
    [
      { labels: { __name__: 'direct', job: 't' }, samples: [{ value: 2, timestampMs: Date.now() }] },
      { labels: { __name__: 'direct', 'bad-name': 't' }, samples: [{ value: 3, timestampMs: Date.now() }] },
    ],
    auth,
  );
  assert.equal(partly.status, 400);
  assert.match(JSON.parse(partly.text).error, /1 of 2 samples refused .*invalid label name "bad-name"/);
});

/** vigil's count of refused metrics events (`other` when no rule reads the stream). */
async function rejectedMetrics(): Promise<number> {
  const text = await (await fetch(`${vigil.url}/metrics`, { headers: admin })).text();
  const m = /^vigil_events_rejected_total\{stream="metrics"\} (\S+)$/m.exec(text);
  return m === null ? 0 : Number(m[1]);
}
