/**
 * vigil beside Alertmanager: one real Prometheus (scrape and evaluation every 1 s) sends
 * the same alerts to a real Alertmanager 0.25 (group_wait 0, group_interval 1 s) and to
 * `vigil run`; both send webhooks to one local HTTP server. Each trial breaches one new
 * series (the scrape target starts serving 0 for it) and measures breach → webhook for
 * each. 50 trials, one at a time. Prints p50/p99 for both; the last line is JSON
 * `{"am_p99_ms":N,"vigil_p99_ms":N}`.
 * Run: `npm run build && node dist/bench/alertmanager.bench.js`.
 */
import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensurePrometheusTools, startAlertmanager, startPrometheus } from '../test/support/prometheus.js';
import { startVigilProcess, writeVigilFiles } from '../test/support/vigil-process.js';

const TRIALS = Number(process.env.VIGIL_BENCH_TRIALS ?? 50);
/** A trial that sees no webhook within this long counts as lost. */
const TRIAL_TIMEOUT_MS = 20_000;

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  await ensurePrometheusTools();
  const down = new Set<string>();
  const target = createServer((_req, res) => {
    const lines = ['# TYPE bench_ok gauge'];
    for (const trial of down) lines.push(`bench_ok{trial="${trial}"} 0`);
    lines.push('bench_ok{trial="none"} 1');
    res.end(lines.join('\n') + '\n');
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));

  // trial -> receiver ("/am", "/vigil") -> arrival time
  const arrivals = new Map<string, Map<string, number>>();
  const hooks = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      const t = performance.now();
      res.end('ok');
      const json = JSON.parse(body) as { alerts: { status: string; labels: Record<string, string> }[] };
      for (const a of json.alerts) {
        const trial = a.labels.trial;
        if (a.status !== 'firing' || trial === undefined) continue;
        const seen = arrivals.get(trial) ?? new Map<string, number>();
        if (!seen.has(req.url ?? '')) seen.set(req.url ?? '', t);
        arrivals.set(trial, seen);
      }
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  const hookOrigin = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}`;

  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-am-bench-'));
  const config = await writeVigilFiles(dir, 'rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\nnotifications:\n  alertsChannels: [hook]\n', {
    'bench.vigil': `channel hook webhook { url "${hookOrigin}/vigil" format alertmanager }\n`,
  });
  const vigil = await startVigilProcess(dir, config);
  const alertmanager = await startAlertmanager({ webhookUrl: `${hookOrigin}/am` });
  const prometheus = await startPrometheus({
    scrapeTarget: `127.0.0.1:${(target.address() as AddressInfo).port}`,
    rulesYaml: JSON.stringify({ groups: [{ name: 'bench', rules: [{ alert: 'BenchDown', expr: 'bench_ok == 0', labels: { severity: 'critical' } }] }] }),
    alertmanagers: [{ hostPort: vigil.url.replace('http://', '') }, { hostPort: `127.0.0.1:${alertmanager.port}` }],
  });

  const am: number[] = [];
  const ours: number[] = [];
  let lost = 0;
  // Trial -1 warms both paths up (first connections, lazy module loads) and is not counted.
  for (let i = -1; i < TRIALS; i++) {
    const trial = `t${i}`;
    const t0 = performance.now();
    down.add(trial);
    const until = t0 + TRIAL_TIMEOUT_MS;
    while (performance.now() < until && (arrivals.get(trial)?.size ?? 0) < 2) await new Promise((r) => setTimeout(r, 5));
    const seen = arrivals.get(trial);
    if (i < 0) {
      // warm-up
    } else if (seen?.has('/am') && seen.has('/vigil')) {
      am.push(seen.get('/am')! - t0);
      ours.push(seen.get('/vigil')! - t0);
    } else lost++;
    down.delete(trial);
  }

  await prometheus.stop();
  await alertmanager.stop();
  await vigil.stop();
  await rm(dir, { recursive: true, force: true });
  await new Promise((r) => target.close(r));
  await new Promise((r) => hooks.close(r));

  const f = (v: number) => v.toFixed(0);
  console.log(`trials: ${am.length} (lost ${lost}); breach → webhook through one Prometheus (scrape and evaluation 1 s)`);
  console.log(`alertmanager 0.25: p50 ${f(quantile(am, 0.5))} ms, p99 ${f(quantile(am, 0.99))} ms`);
  console.log(`vigil:             p50 ${f(quantile(ours, 0.5))} ms, p99 ${f(quantile(ours, 0.99))} ms`);
  // Both see the same Prometheus sends, so the per-trial difference shows what each adds.
  const delta = ours.map((v, i) => v - am[i]!);
  console.log(`vigil − alertmanager per trial: p50 ${f(quantile(delta, 0.5))} ms, p99 ${f(quantile(delta, 0.99))} ms`);
  const worst = am.map((v, i) => ({ trial: i, am: v, vigil: ours[i]! })).sort((a, b) => Math.max(b.am, b.vigil) - Math.max(a.am, a.vigil));
  console.log(`slowest trials: ${worst.slice(0, 5).map((w) => `t${w.trial} am ${f(w.am)} / vigil ${f(w.vigil)}`).join(', ')}`);
  console.log(JSON.stringify({ am_p99_ms: Math.round(quantile(am, 0.99)), vigil_p99_ms: Math.round(quantile(ours, 0.99)) }));
}

await main();
