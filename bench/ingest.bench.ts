/**
 * HTTP ingest benchmark: `vigil run` in its own process with 100 rules, this process as the
 * load generator posting 500-event NDJSON batches over keep-alive connections. Prints the
 * accepted events per second and the p99 time from sending a batch to its answer, which
 * comes back only after the batch was journaled and every rule decided on it.
 * Run: `npm run build && node dist/bench/ingest.bench.js`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'node:http';
import { startVigilProcess, writeVigilFiles } from '../test/support/vigil-process.js';

const BATCH = 500;
const SECONDS = Number(process.env.VIGIL_BENCH_SECONDS ?? 10);
const CONCURRENCY = 8;

function rules(): string {
  const out = ['channel audit log { }'];
  for (let i = 0; i < 60; i++) out.push(`rule svc_errors_${i} { when logs where service == "svc${i}" and level == "error" }`);
  for (let i = 0; i < 20; i++) out.push(`rule check_down_${i} { when latest health where check == "check${i}" by host is status == "down" for 30s }`);
  for (let i = 0; i < 15; i++) out.push(`rule metric_hot_${i} { when avg(value) of metrics where name == "metric${i}" over 1m by host > 99 }`);
  for (let i = 0; i < 5; i++) out.push(`rule error_burst_${i} { when count of logs where service == "svc${i}" and level == "error" over 1m by host > 1000 }`);
  return out.join('\n') + '\n';
}

function bodies(n: number): string[] {
  const out: string[] = [];
  let seed = 1;
  const rand = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
  for (let b = 0; b < n; b++) {
    const lines: string[] = [];
    for (let i = 0; i < BATCH; i++) {
      const host = `host${Math.floor(rand() * 500)}`;
      const r = rand();
      if (r < 0.6) lines.push(JSON.stringify({ stream: 'logs', host, service: `svc${Math.floor(rand() * 80)}`, level: rand() < 0.02 ? 'error' : 'info', message: 'GET /api/msgs 200' }));
      else if (r < 0.9) lines.push(JSON.stringify({ stream: 'metrics', host, name: `metric${Math.floor(rand() * 30)}`, value: Math.round(rand() * 1000) / 10 }));
      else lines.push(JSON.stringify({ stream: 'health', host, check: `check${Math.floor(rand() * 30)}`, status: rand() < 0.01 ? 'down' : 'up', latency_ms: 12 }));
    }
    out.push(lines.join('\n'));
  }
  return out;
}

function post(agent: Agent, url: URL, body: string): Promise<{ status: number; accepted: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: url.hostname, port: url.port, path: '/v1/events', method: 'POST', headers: { 'content-type': 'application/x-ndjson', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, accepted: res.statusCode === 200 ? (JSON.parse(text) as { accepted: number }).accepted : 0 }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-ingest-bench-'));
  const config = await writeVigilFiles(dir, 'rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\n  maxQueuedEvents: 100000\n', { 'bench.vigil': rules() });
  const vigil = await startVigilProcess(dir, config);
  const url = new URL(vigil.url);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const payloads = bodies(200);
  const latencies: number[] = [];
  let accepted = 0;
  let busy = 0;
  // Warm-up, then the measured run.
  for (let i = 0; i < 20; i++) await post(agent, url, payloads[i % payloads.length]!);
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const body = payloads[next++ % payloads.length]!;
        const t0 = performance.now();
        const r = await post(agent, url, body);
        latencies.push(performance.now() - t0);
        if (r.status === 429) busy++;
        accepted += r.accepted;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  await vigil.stop();
  await rm(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const eventsPerSec = accepted / seconds;
  process.stdout.write(`100 rules, ${BATCH}-event NDJSON batches, ${CONCURRENCY} connections, ${seconds.toFixed(1)} s\n`);
  process.stdout.write(`accepted ${accepted.toLocaleString('en-US')} events: ${Math.round(eventsPerSec).toLocaleString('en-US')} events/s (${busy} answers 429)\n`);
  process.stdout.write(`batch sent -> decided and answered: p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms\n`);
  process.stdout.write(JSON.stringify({ ingest_events_per_sec: Math.round(eventsPerSec), decision_p99_ms: Number(percentile(latencies, 0.99).toFixed(1)) }) + '\n');
}

await main();
