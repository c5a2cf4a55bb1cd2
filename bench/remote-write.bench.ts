/**
 * Remote-write benchmark: `vigil run` in its own process with 100 metrics rules, this
 * process as the load generator posting real remote-write bodies (snappy-compressed
 * protobuf `WriteRequest`s of 2,000 samples, Prometheus' default batch) over keep-alive
 * connections. Prints the samples per second vigil took (answered 204, so journaled and
 * decided by every rule) next to a bare decode-only loop over the same bodies in this
 * process (snappy, protobuf, sample events, nothing else), measured before and after.
 * Run: `npm run bench:remote-write` (`VIGIL_BENCH_BATCH`, `VIGIL_BENCH_SECONDS` change the batch and the run).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import snappy from 'snappyjs';
import { decodeWriteRequest } from '../ingest/remote-write/write-request.js';
import { encodeWriteRequest, type SeriesToWrite } from '../test/support/remote-write.js';
import { startVigilProcess, writeVigilFiles } from '../test/support/vigil-process.js';

const BATCH = Number(process.env.VIGIL_BENCH_BATCH ?? 2000);
const SECONDS = Number(process.env.VIGIL_BENCH_SECONDS ?? 10);
const DECODE_SECONDS = 3;
const CONCURRENCY = 8;
const TOKEN = 'bench-writer-token';

function rules(): string {
  const out = ['channel audit log { }'];
  for (let i = 0; i < 60; i++) out.push(`rule load_${i} { when latest metrics where name == "node_metric_${i}" by labels.instance is value > 1000 }`);
  for (let i = 0; i < 30; i++) out.push(`rule hot_${i} { when avg(value) of metrics where name == "node_metric_${i}" over 1m by labels.instance > 1000 }`);
  for (let i = 0; i < 10; i++) out.push(`rule errors_${i} { when max(value) of metrics where name == "http_errors_${i}" over 5m by labels.job > 1000000 }`);
  return out.join('\n') + '\n';
}

/** Compressed bodies shaped like a node exporter fleet: 100 names, 500 instances, a few labels each. */
function bodies(n: number, timeMs: number): Uint8Array[] {
  let seed = 7;
  const rand = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const out: Uint8Array[] = [];
  for (let b = 0; b < n; b++) {
    const series: SeriesToWrite[] = [];
    for (let i = 0; i < BATCH; i++) {
      const m = Math.floor(rand() * 100);
      const name = m < 90 ? `node_metric_${m}` : `http_errors_${m - 90}`;
      series.push({
        labels: { __name__: name, instance: `host${Math.floor(rand() * 500)}:9100`, job: 'node', cpu: String(Math.floor(rand() * 8)), mode: rand() < 0.5 ? 'user' : 'system' },
        samples: [{ value: Math.round(rand() * 10000) / 100, timestampMs: timeMs + b }],
      });
    }
    out.push(snappy.compress(encodeWriteRequest(series)));
  }
  return out;
}

function post(agent: Agent, url: URL, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: '/api/v1/write',
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0', authorization: `Bearer ${TOKEN}`, 'content-length': body.byteLength },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Samples per second of snappy + protobuf + sample events alone, over the same bodies. */
function decodeOnly(payloads: readonly Uint8Array[]): number {
  let samples = 0;
  const start = performance.now();
  const deadline = start + DECODE_SECONDS * 1000;
  let i = 0;
  while (performance.now() < deadline) {
    samples += decodeWriteRequest(payloads[i++ % payloads.length]!, 64 * 1024 * 1024).events.length;
  }
  return samples / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  const payloads = bodies(100, Date.now());
  const decodeBefore = decodeOnly(payloads);

  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-rw-bench-'));
  const config = await writeVigilFiles(
    dir,
    ['rules: ./rules', 'data: ./data', 'http:', '  listen: 127.0.0.1:0', '  maxQueuedEvents: 100000', 'auth:', '  tokens: [{name: prom, role: write, env: VIGIL_BENCH_TOKEN}]', 'time: {lateness: 10m}', ''].join('\n'),
    { 'bench.vigil': rules() },
  );
  const vigil = await startVigilProcess(dir, config, { VIGIL_BENCH_TOKEN: TOKEN });
  const url = new URL(vigil.url);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  for (let i = 0; i < 10; i++) await post(agent, url, payloads[i]!);
  let accepted = 0;
  let busy = 0;
  let failed = 0;
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const status = await post(agent, url, payloads[next++ % payloads.length]!);
        if (status === 204) accepted += BATCH;
        else if (status === 429) busy++;
        else failed++;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  await vigil.stop();
  await rm(dir, { recursive: true, force: true });
  const decodeAfter = decodeOnly(payloads);

  const perSec = accepted / seconds;
  const decodePerSec = Math.max(decodeBefore, decodeAfter);
  process.stdout.write(`100 rules, ${BATCH}-sample remote-write bodies (snappy protobuf), ${CONCURRENCY} connections, ${seconds.toFixed(1)} s\n`);
  process.stdout.write(`vigil took ${accepted.toLocaleString('en-US')} samples: ${Math.round(perSec).toLocaleString('en-US')} samples/s through the rules (${busy} answers 429, ${failed} other failures)\n`);
  process.stdout.write(`decode only (snappy + protobuf + sample events, one thread): ${Math.round(decodeBefore).toLocaleString('en-US')} before, ${Math.round(decodeAfter).toLocaleString('en-US')} after samples/s\n`);
  process.stdout.write(`vigil / decode only: ${(perSec / decodePerSec).toFixed(2)}\n`);
  process.stdout.write(
    JSON.stringify({ remote_write_samples_per_sec: Math.round(perSec), decode_only_samples_per_sec: Math.round(decodePerSec), ratio: Number((perSec / decodePerSec).toFixed(2)), busy_429: busy, failed }) + '\n',
  );
}

await main();
