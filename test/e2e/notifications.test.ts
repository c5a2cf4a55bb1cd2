import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { verifyWebhook } from '../../sinks/notify/signature.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';
import { eventually, getJson, postJson, startVigilProcess, writeVigilFiles, type VigilProcess } from '../support/vigil-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET = 'hook-secret-for-tests';

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
    `  host: 127.0.0.1`,
    `  port: ${smtp.port}`,
    '  starttls: off',
    '  from: vigil@example.com',
    'notifications:',
    '  backoff: 100ms',
    '',
  ].join('\n');
  const rules = {
    'web.vigil': [
      `channel chat webhook { url "${hook.url}" secret env(VIGIL_TEST_HOOK_SECRET) header "X-Team" "ops" }`,
      'channel oncall email { to "ops@example.com" }',
      'rule web_down {',
      '  when latest health where check == "web" by host is status == "down"',
      '  severity critical',
      '  summary "web is down on {host}"',
      '  notify chat, oncall',
      '}',
      '',
    ].join('\n'),
  };
  vigil = await startVigilProcess(dir, await writeVigilFiles(dir, config, rules), { VIGIL_TEST_HOOK_SECRET: SECRET });
});

after(async () => {
  await vigil?.stop();
  await hook?.stop();
  await smtp?.stop();
});

test('an event that breaks a rule becomes an incident, a signed webhook and an email; the resolve follows', async () => {
  const post = await postJson(`${vigil.url}/v1/events`, { stream: 'health', check: 'web', host: 'web1', status: 'down' });
  assert.deepEqual(post.json, { accepted: 1, rejected: [] });

  const firing = await eventually(() => hook.requests.find((r) => (r.json as any)?.notifications?.[0]?.kind === 'firing'), 'the firing webhook');
  const ts = String(firing.headers['x-vigil-timestamp']);
  assert.equal(verifyWebhook(SECRET, ts, firing.body, String(firing.headers['x-vigil-signature'])), true);
  assert.equal(verifyWebhook('wrong', ts, firing.body, String(firing.headers['x-vigil-signature'])), false);
  assert.equal(firing.headers['x-team'], 'ops');
  const n = (firing.json as any).notifications[0];
  assert.equal(n.incident.rule, 'web_down');
  assert.equal(n.incident.labels.host, 'web1');
  assert.equal(n.incident.summary, 'web is down on web1');
  assert.match(n.incident.url, /\/v1\/incidents\/inc-1$/);

  const mail = await eventually(() => smtp.messages[0], 'the firing email');
  assert.match(mail.subject, /web_down/);
  assert.match(mail.text, /web is down on web1/);
  assert.match(mail.text, /\/v1\/incidents\/inc-1/);

  const list = await getJson(`${vigil.url}/v1/incidents?status=firing`);
  assert.equal(list.status, 200);
  assert.equal(list.json.incidents.length, 1);
  const id = list.json.incidents[0].id as string;

  const ack = await postJson(`${vigil.url}/v1/incidents/${id}/ack`, { by: 'alice', reason: 'on it' });
  assert.equal(ack.status, 200);

  await postJson(`${vigil.url}/v1/events`, { stream: 'health', check: 'web', host: 'web1', status: 'up' });
  await eventually(() => hook.requests.find((r) => (r.json as any)?.notifications?.[0]?.kind === 'resolved'), 'the resolved webhook');
  await eventually(() => smtp.messages.length >= 2 && smtp.messages[1], 'the resolved email');

  const one = await eventually(async () => {
    const r = await getJson(`${vigil.url}/v1/incidents/${id}`);
    const kinds = (r.json.timeline as { kind: string }[]).map((e) => e.kind);
    return kinds.filter((k) => k === 'notified').length >= 4 && kinds;
  }, 'four notified entries');
  assert.deepEqual(
    one.filter((k) => k !== 'notified'),
    ['firing', 'acked', 'resolved'],
  );
  const detail = await getJson(`${vigil.url}/v1/incidents/${id}`);
  const acked = detail.json.timeline.find((e: { kind: string }) => e.kind === 'acked');
  assert.equal(acked.detail.by, 'alice');
  assert.equal(detail.json.state ?? detail.json.incident?.state, 'resolved');
});

test('a webhook that fails is retried with backoff and the failure lands on the timeline without the secret', async () => {
  hook.respond(503, 2);
  await postJson(`${vigil.url}/v1/events`, { stream: 'health', check: 'web', host: 'web2', status: 'down' });
  await eventually(() => hook.requests.filter((r) => (r.json as any)?.notifications?.[0]?.incident?.labels?.host === 'web2').length >= 3, 'three attempts');
  const list = await getJson(`${vigil.url}/v1/incidents?status=firing`);
  const id = list.json.incidents.find((i: { labels: { host: string } }) => i.labels.host === 'web2').id;
  const detail = await eventually(async () => {
    const r = await getJson(`${vigil.url}/v1/incidents/${id}`);
    const kinds = (r.json.timeline as { kind: string }[]).map((e) => e.kind);
    return kinds.filter((k) => k === 'notify_failed').length === 2 && kinds.includes('notified') && r;
  }, 'two failures then a delivery');
  const failed = detail.json.timeline.filter((e: { kind: string }) => e.kind === 'notify_failed');
  assert.equal(failed[0].detail.reason, 'http_server_error');
  assert.doesNotMatch(JSON.stringify(detail.json), new RegExp(SECRET));
});
