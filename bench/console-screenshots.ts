/**
 * Screenshots of the console for the README, made from a real `vigil run` so they stay
 * current: Now with a few open incidents, one incident with its timeline after an ack and
 * a playbook run, and the public status page. Written to `docs/console-*.png`.
 * Run: `npm run screenshots`.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../test/support/browser.js';
import { freePort } from '../test/support/ports.js';
import { eventually, getJson, postJson, startVigilProcess, writeVigilFiles } from '../test/support/vigil-process.js';

const OUT = fileURLToPath(new URL('../../docs/', import.meta.url));
const TOKEN = 'screenshots-token';
const auth = { authorization: `Bearer ${TOKEN}` };

const RULES = [
  'channel oncall log { }',
  'rule web_down { when latest health where check == "web_http" by host is status == "down" severity critical summary "Web is down on {host}" notify oncall run restart_web }',
  'rule disk_full { when last(value) of metrics where name == "disk_used_pct" over 5m by host, mount > 90 severity warning summary "Disk {mount} on {host} is {value}% full" notify oncall }',
  'rule error_burst { when count of logs where level == "error" over 1m by service > 3 severity warning summary "Error burst in {service}" notify oncall }',
  'playbook restart_web { step exec ["/bin/echo", "systemctl", "restart", "web@{host}"] timeout 10s }',
  '',
].join('\n');

async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-screenshots-'));
  const port = await freePort();
  const config = [
    `http: { listen: "127.0.0.1:${port}" }`,
    'auth: { tokens: [{ name: alice, role: admin, env: SHOT_TOKEN }] }',
    'statusPage:',
    '  title: Example Inc. status',
    '  groups:',
    '    - name: Public',
    '      services:',
    '        - { name: Website, rules: [web_down] }',
    '        - { name: Storage, rules: [disk_full] }',
    '    - name: Internal',
    '      services:',
    '        - { name: Billing, rules: [error_burst], match: { service: billing } }',
    '',
  ].join('\n');
  const vigil = await startVigilProcess(dir, await writeVigilFiles(dir, config, { 'example.vigil': RULES }), { SHOT_TOKEN: TOKEN });
  const browser = await launchBrowser();
  try {
    const now = Date.now();
    const events = [
      { stream: 'health', check: 'web_http', host: 'web1', status: 'down', time: now - 2000 },
      { stream: 'metrics', name: 'disk_used_pct', host: 'db1', mount: '/var', value: 93 },
      { stream: 'metrics', name: 'disk_used_pct', host: 'db2', mount: '/var', value: 91 },
      ...Array.from({ length: 5 }, () => ({ stream: 'logs', service: 'checkout', level: 'error', message: 'payment gateway timeout' })),
    ];
    const r = await postJson(`${vigil.url}/v1/events`, events, auth);
    if (r.status !== 200) throw new Error(`events refused: ${JSON.stringify(r.json)}`);
    const web = await eventually(async () => (await getJson(`${vigil.url}/v1/incidents`, auth)).json.incidents.find((i: any) => i.rule === 'web_down'), 'the web incident');
    await eventually(async () => (await getJson(`${vigil.url}/v1/playbooks/runs`, auth)).json.runs.some((run: any) => run.state === 'succeeded'), 'the restart run');
    await postJson(`${vigil.url}/v1/incidents/${web.id}/ack`, { reason: 'restart ran; watching' }, auth);
    await postJson(`${vigil.url}/v1/events`, { stream: 'health', check: 'web_http', host: 'web1', status: 'up' }, auth);
    await eventually(async () => (await getJson(`${vigil.url}/v1/incidents/${web.id}`, auth)).json.state === 'resolved', 'the web incident resolved');
    await postJson(`${vigil.url}/v1/events`, { stream: 'health', check: 'web_http', host: 'web2', status: 'down' }, auth);

    for (const scheme of ['dark', 'light'] as const) {
      const context = await browser.newContext({ viewport: { width: 1200, height: 620 }, colorScheme: scheme });
      await context.addInitScript((token: string) => (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem('vigil.token', token), TOKEN);
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      await page.goto(`${vigil.url}/`);
      await page.waitForSelector('[data-testid=open-count]:has-text("4 open")');
      await page.screenshot({ path: path.join(OUT, `console-now-${scheme}.png`) });
      if (scheme === 'dark') {
        await page.goto(`${vigil.url}/#/incidents/${web.id}`);
        await page.waitForSelector('li[data-kind=resolved]');
        await page.screenshot({ path: path.join(OUT, 'console-incident.png'), fullPage: true });
        await page.goto(`${vigil.url}/status`);
        await page.waitForSelector('[data-testid=service-status]');
        await page.screenshot({ path: path.join(OUT, 'console-status.png'), fullPage: true });
      }
      await context.close();
    }
    console.log(`screenshots in ${OUT}`);
  } finally {
    await browser.close();
    await vigil.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
