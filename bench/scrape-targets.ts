/**
 * The scrape benchmark's targets: a child process serving `count` metrics pages, each on a
 * port of its own, each `samples` samples long (counters that grow at every request), and
 * noting when each page was fetched and by whom (the User-Agent tells vigil from
 * Prometheus), so the benchmark measures both scrapers' timing from the same place.
 *
 * Talks to its parent over IPC: sends `{ports}` once listening, answers `'report'` with
 * the fetch times per scraper and port.
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const count = Number(process.argv[2] ?? 1000);
const samples = Number(process.argv[3] ?? 500);

/** Fetch times (ms, performance clock) per scraper, per target index. */
const fetched: Record<string, number[][]> = { vigil: [], prometheus: [], other: [] };
for (const list of Object.values(fetched)) for (let i = 0; i < count; i++) list.push([]);

function page(target: number, scrape: number): string {
  const lines: string[] = ['# HELP bench_requests_total Requests served.', '# TYPE bench_requests_total counter'];
  const counters = Math.floor(samples * 0.8);
  for (let i = 0; i < counters; i++) lines.push(`bench_requests_total{path="/p${i % 20}",code="${200 + (i % 5)}",shard="${i}"} ${target * 10 + i + scrape * (i % 7)}`);
  lines.push('# HELP bench_temperature Degrees.', '# TYPE bench_temperature gauge');
  for (let i = counters; i < samples; i++) lines.push(`bench_temperature{sensor="s${i}"} ${20 + ((target + i + scrape) % 10) / 10}`);
  return lines.join('\n') + '\n';
}

const servers: Server[] = [];
const scrapes = new Array<number>(count).fill(0);
for (let i = 0; i < count; i++) {
  const server = createServer((req, res) => {
    const ua = String(req.headers['user-agent'] ?? '');
    const who = ua.startsWith('vigil') ? 'vigil' : ua.startsWith('Prometheus') ? 'prometheus' : 'other';
    fetched[who]![i]!.push(performance.timeOrigin + performance.now());
    res.setHeader('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    res.end(page(i, scrapes[i]!++));
  });
  server.keepAliveTimeout = 60_000;
  servers.push(server);
}
await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
process.send!({ ports: servers.map((s) => (s.address() as AddressInfo).port) });
process.on('message', (m) => {
  if (m === 'report') process.send!({ fetched });
});
process.on('disconnect', () => process.exit(0));
