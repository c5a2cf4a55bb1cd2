import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../../support/browser.js';
import { freePort } from '../../support/ports.js';
import { eventually, getJson, postJson, startVigilProcess, writeVigilFiles, type VigilProcess } from '../../support/vigil-process.js';

const ADMIN = 'admin-token-console-test';
const VIEWER = 'viewer-token-console-test';
const admin = { authorization: `Bearer ${ADMIN}` };

const RULES = [
  'channel ops log { }',
  'rule host_down {',
  '  when latest health where check == "ping" by host is status == "down"',
  '  severity critical',
  '  summary "{host} is down"',
  '  notify ops',
  '  run restart_host',
  '}',
  'playbook restart_host {',
  '  approve',
  '  step exec ["/bin/echo", "restarting", "{host}"] timeout 10s',
  '}',
  '',
].join('\n');

let vigil: VigilProcess;
let browser: Browser;

/** Two checks: vigil's own health (up) and a port nothing listens on (down). */
function checks(port: number): string {
  return [
    `check self_http http "http://127.0.0.1:${port}/healthz" every 1s timeout 5s service "vigil"`,
    'check closed_port tcp "127.0.0.1:1" every 1s timeout 5s',
    '',
  ].join('\n');
}

async function config(port: number): Promise<string> {
  return [
    `http: { listen: "127.0.0.1:${port}" }`,
    'auth:',
    '  tokens:',
    '    - { name: alice, role: admin, env: CONSOLE_ADMIN }',
    '    - { name: viewer, role: read, env: CONSOLE_VIEWER }',
    'statusPage:',
    '  title: Example status',
    '  groups:',
    '    - name: Web',
    '      services:',
    '        - { name: Front door, rules: [host_down], match: { host: web1 } }',
    '        - { name: Back office, rules: [host_down], match: { host: nowhere } }',
    '',
  ].join('\n');
}

before(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-console-'));
  const port = await freePort();
  const file = await writeVigilFiles(dir, await config(port), { 'hosts.vigil': RULES, 'checks.vigil': checks(port) });
  vigil = await startVigilProcess(dir, file, { CONSOLE_ADMIN: ADMIN, CONSOLE_VIEWER: VIEWER });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await vigil?.stop();
});

/** A fresh tab logged in with `token`, on the Now page. */
async function loggedIn(token: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(vigil.url + '/');
  await page.fill('input[name=token]', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=stream]:has-text("live")');
  return page;
}

async function down(host: string): Promise<void> {
  const r = await postJson(`${vigil.url}/v1/events`, { stream: 'health', check: 'ping', host, status: 'down' }, admin);
  assert.equal(r.status, 200);
  assert.equal(r.json.accepted, 1);
}

async function incidentOf(host: string): Promise<any> {
  return eventually(async () => (await getJson(`${vigil.url}/v1/incidents`, admin)).json.incidents.find((i: any) => i.labels.host === host), `an incident for ${host}`);
}

test('the page and its files are served without a token, gzipped, from vigil run itself; the data is not', async () => {
  const page = await fetch(vigil.url + '/', { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-encoding'), 'gzip');
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  assert.match(await page.text(), /<script type="module" src="\/console\/app.js">/);
  const script = await fetch(vigil.url + '/console/app.js');
  assert.equal(script.status, 200);
  assert.match(script.headers.get('content-type') ?? '', /javascript/);
  assert.equal((await getJson(`${vigil.url}/v1/incidents`)).status, 401);
  assert.deepEqual((await getJson(`${vigil.url}/v1/whoami`, { authorization: `Bearer ${VIEWER}` })).json, { name: 'viewer', role: 'read' });
});

test('a wrong token is refused at login with the API\'s message', async () => {
  const page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(vigil.url + '/');
  await page.fill('input[name=token]', 'not-a-token');
  await page.click('button[type=submit]');
  assert.match(await page.textContent('[role=alert]') ?? '', /unknown token/);
  await page.context().close();
});

test('an event opens an incident and it appears on Now without a reload; a viewer sees no action buttons', async () => {
  const page = await loggedIn(VIEWER);
  await page.waitForSelector('text=Nothing is open');
  // The page must not reload: a marker set now must survive until the row appears.
  await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));
  await down('web1');
  const row = await page.waitForSelector('tr[data-incident]:has-text("web1 is down")');
  assert.equal(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker), 42);
  assert.equal(await row.$eval('[data-testid=state]', (e) => e.textContent), 'firing');
  assert.match(await row.textContent() ?? '', /critical/);
  await row.click();
  await page.waitForSelector('[data-testid=incident-state]');
  await page.waitForSelector('.timeline-picture circle[data-kind=notified]');
  assert.equal(await page.locator('[data-action]').count(), 0, 'a viewer sees no buttons');
  // The keyboard shortcuts do nothing for a viewer either.
  await page.keyboard.press('a');
  assert.equal(await page.locator('form.panel').count(), 0);
  await page.context().close();
});

test('the filter lives in the URL: a label filter shows only matching incidents', async () => {
  await down('web2');
  await incidentOf('web2');
  const page = await loggedIn(ADMIN);
  await page.waitForSelector('tr[data-incident]:has-text("web2 is down")');
  await page.goto(`${vigil.url}/#/?label=${encodeURIComponent('host=web2')}`);
  await page.waitForSelector('[data-testid=open-count]:has-text("1 open of 2")');
  assert.equal(await page.locator('tr[data-incident]').count(), 1);
  await page.fill('input[type=search]', 'nothing-like-this');
  await page.waitForSelector('text=Nothing open matches the filter');
  assert.match(page.url(), /q=nothing-like-this/);
  await page.context().close();
});

test('acknowledge with a note from the incident page: the API and the timeline show it', async () => {
  const inc = await incidentOf('web1');
  const page = await loggedIn(ADMIN);
  await page.goto(`${vigil.url}/#/incidents/${inc.id}`);
  await page.waitForSelector('button[data-action=ack]');
  await page.keyboard.press('a');
  await page.fill('textarea[name=note]', 'looking into it');
  await page.click('button[data-action=ack-submit]');
  await page.waitForSelector('[data-testid=incident-state]:has-text("acknowledged")');
  await page.waitForSelector('li[data-kind=acked]:has-text("looking into it")');
  await page.waitForSelector('.timeline-picture circle[data-kind=acked]');
  const after = (await getJson(`${vigil.url}/v1/incidents/${inc.id}`, admin)).json;
  assert.equal(after.state, 'acknowledged');
  assert.equal(after.ackedBy, 'alice');
  const acked = after.timeline.find((e: any) => e.kind === 'acked');
  assert.equal(acked.detail.why, 'looking into it');
  await page.context().close();
});

test('silence like this: prefilled matchers silence the alert, and Now shows it silenced', async () => {
  const inc = await incidentOf('web2');
  const page = await loggedIn(ADMIN);
  await page.goto(`${vigil.url}/#/incidents/${inc.id}`);
  await page.waitForSelector('button[data-action=silence]');
  await page.keyboard.press('s');
  await page.waitForSelector('label.matcher:has-text(\'host="web2"\')');
  await page.click('button[data-action=silence-submit]');
  await page.waitForSelector('text=silence: done');
  const silences = (await getJson(`${vigil.url}/v1/silences?status=active`, admin)).json.silences;
  assert.equal(silences.length, 1);
  assert.deepEqual(
    silences[0].matchers.map((m: any) => `${m.name}=${m.value}`).sort(),
    ['alertname=host_down', 'host=web2'],
  );
  assert.equal(silences[0].createdBy, 'alice');
  await page.goto(`${vigil.url}/#/`);
  await page.waitForSelector(`tr[data-incident="${inc.id}"] [data-testid=state]:has-text("silenced")`);
  assert.equal(await page.locator(`tr[data-incident="${(await incidentOf('web1')).id}"] [data-testid=state]`).textContent(), 'acknowledged');
  await page.goto(`${vigil.url}/#/silences`);
  await page.waitForSelector(`tr[data-silence="${silences[0].id}"] a:has-text("${inc.id}")`);
  await page.context().close();
});

test('approve runs the waiting playbook step, and its output shows on the page', async () => {
  const inc = await incidentOf('web1');
  const waiting = await eventually(async () => (await getJson(`${vigil.url}/v1/playbooks/runs`, admin)).json.runs.find((r: any) => r.incident === inc.id && r.state === 'awaiting_approval'), 'a run awaiting approval');
  const viewer = await loggedIn(VIEWER);
  await viewer.goto(`${vigil.url}/#/incidents/${inc.id}`);
  await viewer.waitForSelector('[data-testid=run-state]:has-text("awaiting approval")');
  assert.equal(await viewer.locator('button[data-action=approve]').count(), 0);
  await viewer.context().close();
  const page = await loggedIn(ADMIN);
  await page.goto(`${vigil.url}/#/incidents/${inc.id}`);
  await page.click('button[data-action=approve]');
  await page.waitForSelector('[data-testid=run-state]:has-text("succeeded")');
  await page.waitForSelector('.steps pre:has-text("restarting web1")');
  const run = (await getJson(`${vigil.url}/v1/playbooks/runs/${waiting.id}`, admin)).json;
  assert.equal(run.state, 'succeeded');
  assert.equal(run.approvedBy, 'alice');
  await page.context().close();
});

test('the checks page shows each check\'s status, latency line and last error', async () => {
  await eventually(async () => {
    const list = (await getJson(`${vigil.url}/v1/checks`, admin)).json.checks;
    return list.length === 2 && list.every((c: any) => c.results.length >= 2);
  }, 'two runs of each check');
  const page = await loggedIn(VIEWER);
  await page.goto(`${vigil.url}/#/checks`);
  await page.waitForSelector('tr[data-check=self_http] [data-testid=check-status]:has-text("up")');
  assert.equal(await page.locator('tr[data-check=closed_port] [data-testid=check-status]').textContent(), 'down');
  assert.notEqual((await page.locator('tr[data-check=closed_port] [data-testid=check-error]').textContent())?.trim(), '');
  assert.equal(await page.locator('tr[data-check=self_http] svg.spark polyline').count(), 1);
  // Down checks come first.
  assert.equal(await page.locator('tr[data-check]').first().getAttribute('data-check'), 'closed_port');
  await page.context().close();
});

test('the rules page lists each rule where it is written, and a rule\'s page its groups', async () => {
  const page = await loggedIn(VIEWER);
  await page.goto(`${vigil.url}/#/rules`);
  await page.waitForSelector('table.rules');
  assert.match((await page.locator('tr:has-text("host_down") [data-testid=where]').textContent()) ?? '', /hosts\.vigil:2$/);
  await page.click('a:has-text("host_down")');
  await page.waitForSelector('tr.phase-firing:has-text("host=web1")');
  await page.context().close();
});

test('the public status page shows the down service without a token, and no labels', async () => {
  const page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(`${vigil.url}/status`);
  await page.waitForSelector('[data-service="Front door"] [data-testid=service-status]:has-text("Down")');
  assert.equal(await page.locator('[data-service="Back office"] [data-testid=service-status]').textContent(), 'Operational');
  assert.equal(await page.locator('[data-service="Front door"] .bar').count(), 90);
  const text = (await page.textContent('body')) ?? '';
  for (const secret of ['web1', 'host', 'host_down', 'critical', 'is down']) assert.ok(!text.includes(secret), `the status page shows "${secret}"`);
  const raw = JSON.stringify((await getJson(`${vigil.url}/v1/status-page`)).json);
  for (const secret of ['web1', 'host_down', 'is down']) assert.ok(!raw.includes(secret), `the status data carries "${secret}"`);
  await page.context().close();
});
