/**
 * Scraping side by side: `vigil run` and a real Prometheus 2.42 scrape the same 1,000
 * targets of 500 samples every 15 s in the same run (the targets are one child process,
 * `scrape-targets.ts`, a port per target). vigil also runs two rules over the samples (a
 * counter rate by instance and series, and `up == 0`); Prometheus stores them in its TSDB.
 *
 * After a warm-up of one interval and a bit, it measures for three intervals:
 * - CPU share of each process (user + system from /proc, over wall time), in cores;
 * - scrape-time jitter: at the target, for each target and scraper, how far the time
 *   between two consecutive fetches is from 15 s; p50, p99 and max over all of them.
 * Also vigil's intake rate (`vigil_events_received_total`) to show the samples arrive.
 * The last line is JSON.
 * Run: `npm run bench:scrape` (about 2 minutes). `VIGIL_BENCH_TARGETS`, `VIGIL_BENCH_SAMPLES`
 * and `VIGIL_BENCH_INTERVALS` change the size; `VIGIL_BENCH_NO_RATE=1` leaves the rate rule out
 * (scrape and journal cost alone).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { trackChild } from '../test/support/children.js';
import { freePort } from '../test/support/ports.js';
import { ensurePrometheusTools, PROMETHEUS } from '../test/support/prometheus.js';
import { startVigilProcess, writeVigilFiles } from '../test/support/vigil-process.js';

const TARGETS = Number(process.env.VIGIL_BENCH_TARGETS ?? 1000);
const SAMPLES = Number(process.env.VIGIL_BENCH_SAMPLES ?? 500);
const INTERVALS = Number(process.env.VIGIL_BENCH_INTERVALS ?? 3);
const INTERVAL_MS = 15_000;
const WARMUP_MS = INTERVAL_MS + 5_000;
const CLOCK_TICKS = 100;

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

/** CPU seconds (user + system) a process has used so far, from /proc/PID/stat. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

async function eventsReceived(url: string): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  const m = /vigil_events_received_total\{stream="metrics"\} (\d+)/.exec(text);
  return m === null ? 0 : Number(m[1]);
}

/** Starts Prometheus scraping `targets` every 15 s; resolves once it is ready. */
async function startPrometheus(dir: string, targets: readonly string[]): Promise<ChildProcess> {
  const port = await freePort();
  const config = {
    global: { scrape_interval: '15s', scrape_timeout: '10s' },
    scrape_configs: [{ job_name: 'bench', static_configs: [{ targets }] }],
  };
  await writeFile(path.join(dir, 'prometheus.yml'), JSON.stringify(config));
  const child = spawn(PROMETHEUS, [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  trackChild(child);
  let output = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output = (output + d).slice(-5000)));
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${output}`);
    if (await fetch(`http://127.0.0.1:${port}/-/ready`).then((r) => r.ok, () => false)) return child;
    if (Date.now() > until) throw new Error(`prometheus was not ready within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** |gap − interval| for every two consecutive fetches of a target inside [from, to]. */
function jitters(fetched: readonly number[][], from: number, to: number): number[] {
  const out: number[] = [];
  for (const times of fetched) {
    const inside = times.filter((t) => t >= from && t <= to);
    for (let i = 1; i < inside.length; i++) out.push(Math.abs(inside[i]! - inside[i - 1]! - INTERVAL_MS));
  }
  return out;
}

async function main(): Promise<void> {
  await ensurePrometheusTools();
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-bench-scrape-'));
  const targetsProcess = fork(fileURLToPath(new URL('./scrape-targets.js', import.meta.url)), [String(TARGETS), String(SAMPLES)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  trackChild(targetsProcess);
  const [{ ports }] = (await once(targetsProcess, 'message')) as [{ ports: number[] }];
  const targets = ports.map((p) => `127.0.0.1:${p}`);
  let prometheus: ChildProcess | undefined;
  const vigilConfig = [
    'rules: ./rules',
    'data: ./data',
    'http:',
    '  listen: 127.0.0.1:0',
    'scrape:',
    `  - {job: bench, interval: 15s, timeout: 10s, targets: [${targets.map((t) => `"${t}"`).join(', ')}]}`,
    '',
  ].join('\n');
  const rules = {
    'bench.vigil': [
      ...(process.env.VIGIL_BENCH_NO_RATE ? [] : ['rule bench_rate { when rate(value) of metrics where name == "bench_requests_total" and labels.code == "204" over 1m by instance, labels.shard > 1000 }']),
      'rule bench_down { when latest metrics where name == "up" by instance is value == 0 }',
      '',
    ].join('\n'),
  };
  const vigilDir = path.join(dir, 'vigil');
  const vigil = await startVigilProcess(vigilDir, await writeVigilFiles(vigilDir, vigilConfig, rules));
  try {
    prometheus = await startPrometheus(dir, targets);
    console.log(`${TARGETS} targets × ${SAMPLES} samples every ${INTERVAL_MS / 1000} s; warm-up ${WARMUP_MS / 1000} s, then ${INTERVALS} intervals measured`);
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const from = Date.now();
    const [vigilCpu0, promCpu0, events0] = [await cpuSeconds(vigil.child.pid!), await cpuSeconds(prometheus.pid!), await eventsReceived(vigil.url)];
    await new Promise((r) => setTimeout(r, INTERVALS * INTERVAL_MS));
    const to = Date.now();
    const [vigilCpu1, promCpu1, events1] = [await cpuSeconds(vigil.child.pid!), await cpuSeconds(prometheus.pid!), await eventsReceived(vigil.url)];
    targetsProcess.send('report');
    const [{ fetched }] = (await once(targetsProcess, 'message')) as [{ fetched: Record<string, number[][]> }];
    const wallS = (to - from) / 1000;
    const vigilCores = (vigilCpu1 - vigilCpu0) / wallS;
    const promCores = (promCpu1 - promCpu0) / wallS;
    const vj = jitters(fetched.vigil!, from, to);
    const pj = jitters(fetched.prometheus!, from, to);
    const f = (x: number): string => x.toFixed(1);
    const eventsPerS = (events1 - events0) / wallS;
    console.log(`vigil:          cpu ${vigilCores.toFixed(3)} core; jitter p50 ${f(quantile(vj, 0.5))} ms, p99 ${f(quantile(vj, 0.99))} ms, max ${f(quantile(vj, 1))} ms (${vj.length} gaps); ${Math.round(eventsPerS)} events/s in`);
    console.log(`prometheus 2.42: cpu ${promCores.toFixed(3)} core; jitter p50 ${f(quantile(pj, 0.5))} ms, p99 ${f(quantile(pj, 0.99))} ms, max ${f(quantile(pj, 1))} ms (${pj.length} gaps)`);
    const said = vigil.stderr().split('\n').filter((l) => l.includes('busy') || l.includes('lag'));
    if (said.length > 0) console.log(`vigil said ${said.length} times: ${said[0]}`);
    console.log(`vigil / prometheus cpu: ${(vigilCores / promCores).toFixed(2)}`);
    console.log(
      JSON.stringify({
        targets: TARGETS,
        samples_per_target: SAMPLES,
        interval_s: INTERVAL_MS / 1000,
        measured_s: Math.round(wallS),
        vigil_cpu_cores: Math.round(vigilCores * 1000) / 1000,
        prometheus_cpu_cores: Math.round(promCores * 1000) / 1000,
        cpu_ratio: Math.round((vigilCores / promCores) * 100) / 100,
        vigil_jitter_p99_ms: Math.round(quantile(vj, 0.99)),
        prometheus_jitter_p99_ms: Math.round(quantile(pj, 0.99)),
        vigil_events_per_s: Math.round(eventsPerS),
      }),
    );
  } finally {
    prometheus?.kill('SIGTERM');
    if (prometheus !== undefined && prometheus.exitCode === null) await once(prometheus, 'exit');
    await vigil.stop();
    targetsProcess.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
