/**
 * Alert latency: an event that breaches a rule, posted to `vigil run` in its own process,
 * until the webhook it causes reaches a local HTTP server. 250 trials, one at a time.
 * Run: `npm run build && node dist/bench/alert-latency.bench.js`.
 */
import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { startVigilProcess, writeVigilFiles } from '../test/support/vigil-process.js';

const TRIALS = Number(process.env.VIGIL_BENCH_TRIALS ?? 250);

async function main(): Promise<void> {
  const waiting = new Map<string, (t: number) => void>();
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      const t = performance.now();
      res.end('ok');
      const json = JSON.parse(body) as { notifications: { kind: string; incident: { labels: Record<string, string> } }[] };
      for (const n of json.notifications) if (n.kind === 'firing') waiting.get(n.incident.labels.host!)?.(t);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-latency-bench-'));
  const config = await writeVigilFiles(dir, 'rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\n', {
    'latency.vigil': `channel hook webhook { url "http://127.0.0.1:${port}/hook" }\nrule down { when latest health where check == "web" by host is status == "down" notify hook }\n`,
  });
  const vigil = await startVigilProcess(dir, config);
  const latencies: number[] = [];
  for (let i = 0; i < TRIALS + 10; i++) {
    const host = `trial${i}`;
    const received = new Promise<number>((resolve) => waiting.set(host, resolve));
    const t0 = performance.now();
    await fetch(`${vigil.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stream: 'health', check: 'web', host, status: 'down' }) });
    const t1 = await received;
    waiting.delete(host);
    if (i >= 10) latencies.push(t1 - t0);
  }
  await vigil.stop();
  server.close();
  await rm(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const p = (q: number): number => Number(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1));
  process.stdout.write(`${TRIALS} trials, event posted -> webhook received: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${latencies.at(-1)!.toFixed(1)} ms\n`);
  process.stdout.write(JSON.stringify({ alert_p50_ms: p(0.5), alert_p99_ms: p(0.99) }) + '\n');
}

await main();
