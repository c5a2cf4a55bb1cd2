/**
 * Container death -> notification: a container on a real Podman engine (Docker Engine
 * API) is killed through the API, and the time until `vigil run`'s webhook for it reaches
 * a local HTTP server is measured, 50 trials one at a time. The peer in the same run: a
 * bare client of the engine's own `/events` stream, timing the same `die` (the floor any
 * event-driven watcher has); per trial, vigil's share is the time from that `die` to the
 * webhook. Podman's file-backed event log is tailed by each subscriber on its own, so the
 * two readers see a `die` at different moments and the per-trial share can be negative;
 * the distributions side by side (ratios) are the comparison. Target: p99 <= 200 ms.
 * Run: `npm run bench:containers`.
 */
import { createServer, request, type IncomingMessage } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { startPodman } from '../test/support/podman.js';
import { startVigilProcess, writeVigilFiles } from '../test/support/vigil-process.js';

const TRIALS = Number(process.env.VIGIL_BENCH_TRIALS ?? 50);
const WARMUP = 3;

function percentile(sorted: readonly number[], q: number): number {
  return Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1));
}

function post(socket: string, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method: 'POST', path: urlPath, headers: { host: 'docker', 'content-length': '0' }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const engine = await startPodman();
  const hookWaiting = new Map<string, (t: number) => void>();
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      const t = performance.now();
      res.end('ok');
      const json = JSON.parse(body) as { notifications: { kind: string; incident: { labels: Record<string, string> } }[] };
      for (const n of json.notifications) if (n.kind === 'firing') hookWaiting.get(n.incident.labels.container!)?.(t);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  // The peer: the engine's event stream read directly.
  const peerWaiting = new Map<string, (t: number) => void>();
  const peer = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request({ socketPath: engine.socket, path: `/v1.41/events?filters=${encodeURIComponent('{"type":["container"]}')}`, headers: { host: 'docker' }, agent: false }, resolve);
    req.on('error', reject);
    req.end();
  });
  let tail = '';
  peer.setEncoding('utf8').on('data', (d: string) => {
    const t = performance.now();
    tail += d;
    let nl: number;
    while ((nl = tail.indexOf('\n')) >= 0) {
      const line = tail.slice(0, nl);
      tail = tail.slice(nl + 1);
      const m = JSON.parse(line) as { Action?: string; Actor?: { Attributes?: { name?: string } } };
      if (m.Action === 'die') peerWaiting.get(m.Actor?.Attributes?.name ?? '')?.(t);
    }
  });

  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-containers-bench-'));
  const config = await writeVigilFiles(dir, `rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\ndocker:\n  socket: ${engine.socket}\n`, {
    'died.vigil': `channel hook webhook { url "http://127.0.0.1:${port}/hook" }\nrule died { when containers where action == "die" by container notify hook }\n`,
  });
  const vigil = await startVigilProcess(dir, config);
  const ours: number[] = [];
  const bare: number[] = [];
  const added: number[] = [];
  try {
    for (let i = 0; i < TRIALS + WARMUP; i++) {
      const name = `bench${i}`;
      await engine.run(name, ['/bin/sleep', '1000']);
      const hooked = new Promise<number>((resolve) => hookWaiting.set(name, resolve));
      const seen = new Promise<number>((resolve) => peerWaiting.set(name, resolve));
      const t0 = performance.now();
      const status = await post(engine.socket, `/v1.41/containers/${name}/kill`);
      if (status !== 204) throw new Error(`kill answered ${status}`);
      const [tHook, tPeer] = await Promise.all([hooked, seen]);
      if (i >= WARMUP) {
        ours.push(tHook - t0);
        bare.push(tPeer - t0);
        added.push(tHook - tPeer);
      }
      await engine.podman(['rm', '-f', '-t', '0', name]);
    }
  } finally {
    await vigil.stop();
    peer.destroy();
    server.close();
    await engine.stop();
    await rm(dir, { recursive: true, force: true });
  }
  ours.sort((a, b) => a - b);
  bare.sort((a, b) => a - b);
  added.sort((a, b) => a - b);
  const result = {
    trials: TRIALS,
    death_to_notification_p50_ms: percentile(ours, 0.5),
    death_to_notification_p99_ms: percentile(ours, 0.99),
    engine_event_p50_ms: percentile(bare, 0.5),
    engine_event_p99_ms: percentile(bare, 0.99),
    vigil_added_p50_ms: percentile(added, 0.5),
    vigil_added_p99_ms: percentile(added, 0.99),
    ratio_p50: Number((percentile(ours, 0.5) / percentile(bare, 0.5)).toFixed(2)),
    ratio_p99: Number((percentile(ours, 0.99) / percentile(bare, 0.99)).toFixed(2)),
    target_p99_ms: 200,
  };
  process.stdout.write(`${TRIALS} trials, kill through the API -> webhook received: p50 ${result.death_to_notification_p50_ms} ms, p99 ${result.death_to_notification_p99_ms} ms, max ${ours.at(-1)!.toFixed(1)} ms\n`);
  process.stdout.write(`same kills -> die on a bare /events client: p50 ${result.engine_event_p50_ms} ms, p99 ${result.engine_event_p99_ms} ms; per trial vigil adds p50 ${result.vigil_added_p50_ms} ms, p99 ${result.vigil_added_p99_ms} ms (die on the stream -> webhook)\n`);
  process.stdout.write(JSON.stringify(result) + '\n');
}

await main();
