import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';
import { eventually, getJson, postJson, startVigilProcess, writeVigilFiles, type VigilProcess } from '../support/vigil-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let smtp: TestSmtpServer;
let hook: WebhookReceiver;
let vigil: VigilProcess;

before(async () => {
  smtp = await startSmtpServer();
  hook = await startWebhookReceiver();
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-e2e-'));
  const config = [
    'rules: ./rules',
    'data: ./data',
    'http:',
    '  listen: 127.0.0.1:0',
    'smtp:',
    '  host: 127.0.0.1',
    `  port: ${smtp.port}`,
    '  starttls: off',
    '  from: vigil@example.com',
    'notifications:',
    '  backoff: 100ms',
    '',
  ].join('\n');
  const rules = {
    'net.vigil': [
      `channel chat webhook { url "${hook.url}" }`,
      'channel oncall email { to "ops@example.com" }',
      'rule web_down { when latest health where check == "web" by host is status == "down" summary "web down on {host}" notify chat, oncall }',
      'rule switch_down { when latest health where check == "switch" by switch is status == "down" summary "switch {switch} down" notify oncall }',
      'rule host_down { when latest health where check == "ping" by host, switch is status == "down" summary "{host} unreachable" notify oncall }',
      'depends host on switch=$switch',
      'rule flappy { when latest health where check == "flap" by host is status == "down" summary "flappy {host}" notify oncall flapping 1 within 10m }',
      '',
    ].join('\n'),
  };
  vigil = await startVigilProcess(dir, await writeVigilFiles(dir, config, rules));
});

after(async () => {
  await vigil?.stop();
  await hook?.stop();
  await smtp?.stop();
});

const kindsOf = (r: { json: any }) => (r.json.timeline as { kind: string }[]).map((e) => e.kind);
const mailsAbout = (text: string) => smtp.messages.filter((m) => m.text.includes(text));
const hooksOf = (host: string, kind: string) =>
  hook.requests.filter((r) => (r.json as any)?.notifications?.some((n: any) => n.kind === kind && n.incident.labels.host === host));

test('the resolve arrives through a silence: an alert that paged, then was silenced, sends its resolve to the webhook and the mailbox', async () => {
  await postJson(`${vigil.url}/v1/events`, { stream: 'health', check: 'web', host: 'web1', status: 'down' });
  await eventually(() => hooksOf('web1', 'firing')[0], 'the firing webhook');
  await eventually(() => mailsAbout('web down on web1')[0], 'the firing email');
  const silence = await postJson(`${vigil.url}/v1/silences`, { matchers: [{ name: 'host', value: 'web1' }], endsAt: new Date(Date.now() + 3_600_000).toISOString(), comment: 'deploy' });
  assert.equal(silence.status, 200);
  await postJson(`${vigil.url}/v1/events`, { stream: 'health', check: 'web', host: 'web1', status: 'up' });
  const resolved = await eventually(() => hooksOf('web1', 'resolved')[0], 'the resolved webhook through the silence');
  assert.equal((resolved.json as any).notifications[0].incident.state, 'resolved');
  await eventually(() => mailsAbout('web down on web1').length >= 2, 'the resolved email through the silence');
  const list = await getJson(`${vigil.url}/v1/incidents?rule=web_down`);
  const id = list.json.incidents[0].id as string;
  const detail = await getJson(`${vigil.url}/v1/incidents/${id}`);
  const entries = detail.json.timeline as { kind: string; detail: any }[];
  assert.deepEqual(entries.filter((e) => e.kind !== 'notified').map((e) => e.kind), ['firing', 'silenced', 'resolved']);
  assert.equal(entries.find((e) => e.kind === 'resolved')!.detail.during, `silence ${silence.json.id}`);
});

test('a switch failure is one incident with 50 suppressed children and no extra email', async () => {
  await postJson(`${vigil.url}/v1/events`, { stream: 'health', check: 'switch', switch: 'sw9', status: 'down' });
  await eventually(() => mailsAbout('switch sw9 down')[0], 'the switch email');
  const before = smtp.messages.length;
  const hosts = Array.from({ length: 50 }, (_, i) => ({ stream: 'health', check: 'ping', host: `rack-${i}`, switch: 'sw9', status: 'down' }));
  const post = await postJson(`${vigil.url}/v1/events`, hosts);
  assert.deepEqual(post.json, { accepted: 50, rejected: [] });
  const sw = await eventually(async () => {
    const list = await getJson(`${vigil.url}/v1/incidents?rule=switch_down`);
    const inc = list.json.incidents[0];
    return inc?.children?.length === 50 && inc;
  }, 'the switch incident with 50 children');
  const children = await getJson(`${vigil.url}/v1/incidents?rule=host_down&limit=100`);
  assert.equal(children.json.incidents.length, 50);
  for (const c of children.json.incidents) assert.equal(c.parent, sw.id);
  const child = await getJson(`${vigil.url}/v1/incidents/${children.json.incidents[0].id}`);
  assert.deepEqual(kindsOf(child), ['firing', 'suppressed']);
  // A later alert that does page: once its email is in, anything the children had queued would be too.
  await postJson(`${vigil.url}/v1/events`, { stream: 'health', check: 'web', host: 'sentinel', status: 'down' });
  await eventually(() => mailsAbout('web down on sentinel')[0], 'the sentinel email');
  assert.equal(smtp.messages.length, before + 1, 'only the sentinel email came after the switch email');
  assert.equal(mailsAbout('unreachable').length, 0);
});

test('a flapping check pages once: one firing email, its resolve, one flapping message, then quiet', async () => {
  for (let i = 0; i < 5; i++) {
    await postJson(`${vigil.url}/v1/events`, { stream: 'health', check: 'flap', host: 'f1', status: 'down' });
    await postJson(`${vigil.url}/v1/events`, { stream: 'health', check: 'flap', host: 'f1', status: 'up' });
  }
  await eventually(async () => (await getJson(`${vigil.url}/v1/incidents?rule=flappy`)).json.incidents.length === 5, 'five incidents of the flapping check');
  await postJson(`${vigil.url}/v1/events`, { stream: 'health', check: 'web', host: 'sentinel2', status: 'down' });
  await eventually(() => mailsAbout('web down on sentinel2')[0], 'the sentinel email');
  const mails = mailsAbout('flappy f1');
  const kinds = mails.map((m) => /kind\s+(\w+)/.exec(m.text)?.[1]);
  assert.deepEqual(kinds.sort(), ['firing', 'flapping', 'resolved']);
  assert.match(mails.find((m) => m.text.includes('[flapping]'))!.text, /flapping, fired 2 times within 10m/);
});

test('the ack link in a received email acknowledges the incident once, without a token', async () => {
  await postJson(`${vigil.url}/v1/events`, { stream: 'health', check: 'web', host: 'linked', status: 'down' });
  const mail = await eventually(() => mailsAbout('web down on linked')[0], 'the firing email');
  const ack = /ack\s+(http:\/\/\S+)/.exec(mail.text)?.[1];
  assert.ok(ack, mail.text);
  const silence = /silence\s+(http:\/\/\S+)/.exec(mail.text)?.[1];
  assert.ok(silence);
  const id = (await getJson(`${vigil.url}/v1/incidents?rule=web_down&status=firing`)).json.incidents.find((i: any) => i.labels.host === 'linked').id;
  // An altered link is refused and changes nothing.
  const tampered = await getJson(ack.slice(0, -3) + (ack.endsWith('AAA') ? 'BBB' : 'AAA'));
  assert.equal(tampered.status, 403);
  const first = await getJson(ack);
  assert.equal(first.status, 200, JSON.stringify(first.json));
  assert.deepEqual(first.json, { done: 'acknowledged', incident: id });
  const inc = await getJson(`${vigil.url}/v1/incidents/${id}`);
  assert.equal(inc.json.state ?? inc.json.incident?.state, 'acknowledged');
  assert.equal((await getJson(ack)).status, 409, 'a link works once');
  // The silence link silences the alert's labels for an hour.
  const s = await getJson(silence);
  assert.equal(s.status, 200, JSON.stringify(s.json));
  const listed = await getJson(`${vigil.url}/v1/silences?status=active`);
  assert.ok(listed.json.silences.some((x: any) => x.id === s.json.silence && x.matchers.some((m: any) => m.name === 'host' && m.value === 'linked')));
  assert.equal((await getJson(silence)).status, 409);
});
