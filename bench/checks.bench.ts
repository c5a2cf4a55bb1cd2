/**
 * Health-check scheduler benchmark: 2,000 http checks every 10 s against one local server
 * (a second process) for 60 s (`VIGIL_BENCH_SECONDS` to change). Prints the scheduling
 * jitter (probe start minus due time) p50/p99/max, the CPU this process used as a fraction
 * of one core, and its RSS at the end; then one JSON line with the figures.
 * Targets: jitter p99 <= 250 ms, <= 0.3 core, <= 200 MB.
 * Run: `npm run build && node dist/bench/checks.bench.js`.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CheckSpec } from '../engine/model/check-spec.js';
import type { Event } from '../engine/model/event.js';
import { CheckScheduler } from '../ingest/checks/check-scheduler.js';
import { sleep } from '../runtime/sleep.js';

const CHECKS = 2000;
const EVERY_MS = 10_000;
const SECONDS = Number(process.env.VIGIL_BENCH_SECONDS ?? 60);

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function main(): Promise<void> {
  const server = fork(fileURLToPath(new URL('./check-target-server.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('message', (m) => resolve((m as { port: number }).port));
    server.once('exit', (code) => reject(new Error(`target server exited with ${code}`)));
  });

  const specs: CheckSpec[] = Array.from({ length: CHECKS }, (_, i) => ({
    name: `web_${i}`,
    kind: 'http',
    target: `http://127.0.0.1:${port}/health/${i}`,
    argv: [],
    everyMs: EVERY_MS,
    timeoutMs: 2000,
    expectStatus: 200,
    host: `host${i % 100}`,
    service: 'web',
  }));

  let events = 0;
  let down = 0;
  let emits = 0;
  const scheduler = new CheckScheduler({
    emit: (batch: Event[]) => {
      emits++;
      events += batch.length;
      for (const e of batch) if (e.status !== 'up') down++;
    },
  });

  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  scheduler.update(specs);
  await sleep(SECONDS * 1000);
  const cpu = process.cpuUsage(cpuStart);
  const wallMs = performance.now() - wallStart;
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  const jitter = scheduler.takeJitterMs().sort();
  const runs = scheduler.runs;
  const skipped = scheduler.skipped;
  const missed = scheduler.missed;
  await scheduler.stop();

  const served = await new Promise<{ requests: number; connections: number }>((resolve) => {
    server.once('message', (m) => resolve(m as { requests: number; connections: number }));
    server.send('stop');
  });

  const cpuCoreFraction = (cpu.user + cpu.system) / 1000 / wallMs;
  console.log(`checks: ${CHECKS} every ${EVERY_MS / 1000} s for ${SECONDS} s`);
  console.log(`runs: ${runs} (events ${events} in ${emits} emits, down ${down}, skipped ${skipped}, missed ${missed}; server saw ${served.requests} requests on ${served.connections} connections)`);
  console.log(`jitter ms: p50 ${percentile(jitter, 0.5).toFixed(1)}, p99 ${percentile(jitter, 0.99).toFixed(1)}, max ${percentile(jitter, 1).toFixed(1)} (${jitter.length} samples)`);
  console.log(`cpu: ${cpuCoreFraction.toFixed(3)} core (user ${(cpu.user / 1e6).toFixed(2)} s, system ${(cpu.system / 1e6).toFixed(2)} s over ${(wallMs / 1000).toFixed(1)} s)`);
  console.log(`rss: ${rssMb.toFixed(1)} MB`);
  console.log(
    JSON.stringify({
      checks: CHECKS,
      jitter_p99_ms: Math.round(percentile(jitter, 0.99) * 10) / 10,
      cpu_core_fraction: Math.round(cpuCoreFraction * 1000) / 1000,
      rss_mb: Math.round(rssMb * 10) / 10,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
