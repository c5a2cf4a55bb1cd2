/**
 * Operator console benchmark, in headless Chromium against a real `vigil run` holding
 * 10,000 open incidents and running 2,000 http checks (every 30 s, against a local server
 * in its own process):
 *
 * - first render of Now: from navigation to the table drawn with every open incident
 *   counted (all 10,000 loaded), median of 5 loads; target <= 1 s;
 * - SSE update: from posting an event to its new incident's row on the open page, median
 *   and p95 of 20; target <= 200 ms;
 * - page weight: the bytes of the page, script and style as served gzipped; target <= 300 KB.
 *
 * The peer in the same run is Alertmanager 0.25 (Debian ships it without its web UI): the
 * same browser loading its API's answer for the same 10,000 alerts (`GET /api/v2/alerts`),
 * which is only the data, not a page drawn from it.
 * Run: `npm run bench:console`.
 */
import { fork } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../test/support/browser.js';
import { freePort } from '../test/support/ports.js';
import { ensurePrometheusTools, startAlertmanager } from '../test/support/prometheus.js';
import { eventually, getJson, postJson, startVigilProcess, writeVigilFiles } from '../test/support/vigil-process.js';
import { median } from './median.js';

const INCIDENTS = 10_000;
const CHECKS = 2_000;
const LOADS = 5;
const UPDATES = 20;
const TOKEN = 'bench-console-token';
const auth = { authorization: `Bearer ${TOKEN}` };

/** What the page-side functions below use of the browser (this file compiles without the DOM types). */
interface PageGlobals {
  readonly document: { querySelector(selector: string): { textContent: string | null } | null; readonly body: unknown; addEventListener(type: string, listener: () => void): void };
  readonly MutationObserver: new (callback: () => void) => { observe(node: unknown, options: object): void; disconnect(): void };
  readonly sessionStorage: { setItem(key: string, value: string): void };
  readonly performance: { now(): number; getEntriesByType(type: string): { name: string; startTime: number; responseEnd: number }[] };
  requestAnimationFrame(callback: () => void): void;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Bytes of a GET's body as it travels, gzipped when the server gzips. */
function gzippedBytes(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      let n = 0;
      res.on('data', (chunk: Buffer) => (n += chunk.length));
      res.on('end', () => resolve(n));
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const target = fork(fileURLToPath(new URL('./check-target-server.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const targetPort = await new Promise<number>((resolve) => target.once('message', (m) => resolve((m as { port: number }).port)));
  const checks = Array.from({ length: CHECKS }, (_, i) => `check web_${i} http "http://127.0.0.1:${targetPort}/health/${i}" every 30s timeout 2s host "c${i % 100}" service "web"`);
  const rules = [
    'channel ops log { }',
    'rule host_down { when latest health where check == "ping" by host is status == "down" severity critical summary "{host} is down" notify ops }',
    ...checks,
    '',
  ].join('\n');
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-bench-console-'));
  const port = await freePort();
  const config = `http: { listen: "127.0.0.1:${port}", rateLimit: 0 }\nauth: { tokens: [{ name: bench, role: admin, env: BENCH_TOKEN }] }\n`;
  const vigil = await startVigilProcess(dir, await writeVigilFiles(dir, config, { 'bench.vigil': rules }), { BENCH_TOKEN: TOKEN });
  await ensurePrometheusTools();
  const am = await startAlertmanager({ webhookUrl: 'http://127.0.0.1:1/' });
  const browser = await launchBrowser();
  try {
    const t0 = Date.now();
    for (let i = 0; i < INCIDENTS; i += 1000) {
      const batch = Array.from({ length: 1000 }, (_, j) => ({ stream: 'health', check: 'ping', host: `h${i + j}`, status: 'down' }));
      const r = await postJson(`${vigil.url}/v1/events`, batch, auth);
      if (r.status !== 200 || r.json.accepted !== 1000) throw new Error(`events refused: ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
    }
    await eventually(async () => (await getJson(`${vigil.url}/v1/rules/host_down?limit=1`, auth)).json.firing >= INCIDENTS, '10,000 firing', 300_000);
    console.log(`${INCIDENTS} incidents open in ${Date.now() - t0} ms; ${CHECKS} checks running`);

    const alerts = Array.from({ length: INCIDENTS }, (_, i) => ({ labels: { alertname: 'host_down', host: `h${i}`, severity: 'critical' }, annotations: { summary: `h${i} is down` } }));
    for (let i = 0; i < INCIDENTS; i += 1000) {
      const r = await postJson(`${am.url}/api/v2/alerts`, alerts.slice(i, i + 1000));
      if (r.status !== 200) throw new Error(`alertmanager refused alerts: ${r.status}`);
    }
    await eventually(async () => (await getJson(`${am.url}/api/v2/alerts`)).json.length >= INCIDENTS, 'alertmanager holding 10,000 alerts', 300_000);

    const context = await browser.newContext();
    await context.addInitScript((token: string) => (globalThis as unknown as PageGlobals).sessionStorage.setItem('vigil.token', token), TOKEN);
    const page = await context.newPage();
    page.setDefaultTimeout(120_000);
    // Marks taken in the page itself, when the DOM changes: no round trip to the browser counts.
    await context.addInitScript((n: number) => {
      const g = globalThis as unknown as PageGlobals & { marks: { rows?: number; all?: number } };
      g.marks = {};
      const observer = new g.MutationObserver(() => {
        if (g.marks.rows === undefined && g.document.querySelector('tr[data-incident]') !== null) g.marks.rows = g.performance.now();
        if (g.marks.all === undefined && g.document.querySelector('[data-testid=open-count]')?.textContent === `${n} open`) {
          g.marks.all = g.performance.now();
          observer.disconnect();
        }
      });
      g.document.addEventListener('DOMContentLoaded', () => observer.observe(g.document.body, { childList: true, subtree: true, characterData: true }));
    }, INCIDENTS);
    const firstRows: number[] = [];
    const renders: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      await page.goto(`${vigil.url}/`);
      const marks = await page.waitForFunction(() => {
        const m = (globalThis as unknown as { marks: { rows?: number; all?: number } }).marks;
        return m.all === undefined ? false : m;
      });
      const { rows, all } = (await marks.jsonValue()) as { rows: number; all: number };
      firstRows.push(rows);
      renders.push(all);
    }
    // Where the last load's time went: each request's start and end (ms since navigation).
    const requests = await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).performance.getEntriesByType('resource').map((r) => `${r.name.replace(/^https?:\/\/[^/]+/, '')} ${Math.round(r.startTime)}-${Math.round(r.responseEnd)}`),
    );
    console.log(`last load's requests (ms since navigation): ${requests.slice(0, 8).join('; ')}`);
    const peer: number[] = [];
    const peerPage = await context.newPage();
    for (let i = 0; i < LOADS; i++) {
      await peerPage.goto(`${am.url}/api/v2/alerts`, { waitUntil: 'load' });
      peer.push(await peerPage.evaluate(() => (globalThis as unknown as PageGlobals).performance.now()));
    }
    await peerPage.close();

    await page.waitForSelector('[data-testid=stream]:has-text("live")');
    const updates: number[] = [];
    for (let i = 0; i < UPDATES; i++) {
      const host = `sse${i}`;
      const seen = page.evaluate(
        (text: string) =>
          new Promise<number>((resolve) => {
            const look = (): boolean => {
              if (!((globalThis as unknown as PageGlobals).document.querySelector('table.incidents tbody')?.textContent ?? '').includes(text)) return false;
              resolve(Date.now());
              return true;
            };
            if (look()) return;
            const observer = new (globalThis as unknown as PageGlobals).MutationObserver(() => {
              if (look()) observer.disconnect();
            });
            observer.observe((globalThis as unknown as PageGlobals).document.body, { childList: true, subtree: true, characterData: true });
          }),
        `${host} is down`,
      );
      // The observer is in place before the event goes out.
      await page.evaluate(() => new Promise((r) => (globalThis as unknown as PageGlobals).requestAnimationFrame(() => r(null))));
      const sent = Date.now();
      await postJson(`${vigil.url}/v1/events`, { stream: 'health', check: 'ping', host, status: 'down' }, auth);
      updates.push((await seen) - sent);
    }

    const weight = (await gzippedBytes(`${vigil.url}/`)) + (await gzippedBytes(`${vigil.url}/console/app.js`)) + (await gzippedBytes(`${vigil.url}/console/console.css`));
    const firstRender = median(renders);
    const peerLoad = median(peer);
    const figures = {
      incidents: INCIDENTS,
      checks: CHECKS,
      first_rows_ms: Math.round(median(firstRows)),
      first_render_ms: Math.round(firstRender),
      sse_update_ms_p50: Math.round(median(updates)),
      sse_update_ms_p95: Math.round(percentile(updates, 0.95)),
      page_weight_gzip_bytes: weight,
      alertmanager_api_10k_load_ms: Math.round(peerLoad),
      first_render_vs_alertmanager_api: Number((firstRender / peerLoad).toFixed(2)),
    };
    console.log(`first rows of Now drawn: ${figures.first_rows_ms} ms (median of ${LOADS}; loads ${firstRows.map(Math.round).join(', ')})`);
    console.log(`first render of Now with ${INCIDENTS} open: ${figures.first_render_ms} ms (median of ${LOADS}; loads ${renders.map(Math.round).join(', ')}) — target <= 1000`);
    console.log(`Alertmanager 0.25 API, same ${INCIDENTS} alerts, loaded in the same browser: ${figures.alertmanager_api_10k_load_ms} ms (median of ${LOADS}); ratio ${figures.first_render_vs_alertmanager_api}`);
    console.log(`SSE update visible: p50 ${figures.sse_update_ms_p50} ms, p95 ${figures.sse_update_ms_p95} ms (${UPDATES} updates) — target <= 200`);
    console.log(`page weight gzipped: ${weight} bytes — target <= 307200`);
    console.log(JSON.stringify(figures));
  } finally {
    await browser.close();
    await am.stop();
    await vigil.stop();
    target.kill();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
