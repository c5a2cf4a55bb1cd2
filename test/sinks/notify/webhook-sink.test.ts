import assert from 'node:assert/strict';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import getTLSOptions from 'smtp-server/lib/tls-options';
import { VigilError } from '../../../engine/model/errors.js';
import { verifyWebhook } from '../../../sinks/notify/signature.js';
import { createWebhookSink, type WebhookSinkOptions } from '../../../sinks/notify/webhook-sink.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';
import { sampleBatch, sampleNotification, sendFailure, sinkContract, unusedPort } from '../sink-contract.js';

const SECRET = 'whsec-7fQ2kLx9';
const PATH_TOKEN = 'T0PATHb2Xq9';
const QUERY_TOKEN = 'qtok-55Hn3v';
const HEADER_TOKEN = 'Bearer hdr-Vb81Kz';
const SECRETS = [SECRET, PATH_TOKEN, QUERY_TOKEN, HEADER_TOKEN];

function hookUrl(origin: string): string {
  return `${origin}/hooks/${PATH_TOKEN}?token=${QUERY_TOKEN}`;
}

function sinkFor(receiver: { origin: string }, overrides: Partial<WebhookSinkOptions> = {}) {
  return createWebhookSink({
    name: 'ops-hook',
    url: hookUrl(receiver.origin),
    format: 'json',
    secret: SECRET,
    headers: [{ name: 'Authorization', value: HEADER_TOKEN }],
    // Generous: a loaded machine makes delivery slow, not wrong (the timeout test sets its own).
    timeoutMs: 30_000,
    ...overrides,
  });
}

async function withReceiver(body: (receiver: WebhookReceiver) => Promise<void>): Promise<void> {
  const receiver = await startWebhookReceiver();
  try {
    await body(receiver);
  } finally {
    await receiver.stop();
  }
}

const never = () => new AbortController().signal;

sinkContract('webhook sink', async () => {
  const receiver = await startWebhookReceiver();
  return {
    sink: sinkFor(receiver),
    secrets: SECRETS,
    receivedKeys: () => receiver.requests.flatMap((r) => String(r.headers['x-vigil-key']).split(',')),
    failTemporarily: () => {
      receiver.respond(503);
      return 'http_server_error';
    },
    failPermanently: () => {
      receiver.respond(404);
      return 'http_client_error';
    },
    stall: () => receiver.delay(30_000),
    unreachable: async () => sinkFor({ origin: `http://127.0.0.1:${await unusedPort()}` }),
    stop: () => receiver.stop(),
  };
});

test('webhook: the json body has exactly the documented shape', () =>
  withReceiver(async (receiver) => {
    await sinkFor(receiver).send(sampleBatch(), never());
    assert.equal(receiver.requests.length, 1);
    const request = receiver.requests[0]!;
    assert.equal(request.method, 'POST');
    assert.equal(request.url, `/hooks/${PATH_TOKEN}?token=${QUERY_TOKEN}`);
    assert.deepEqual(request.json, {
      version: '1',
      channel: 'ops-hook',
      notifications: [
        {
          key: 'inc-1:firing:0',
          kind: 'firing',
          time: '2026-03-01T12:00:30.000Z',
          step: 0,
          incident: {
            id: 'inc-1',
            rule: 'minitwit_down',
            state: 'firing',
            severity: 'critical',
            labels: { host: 'web1' },
            value: 0,
            summary: 'MiniTwit is down on web1',
            openedAt: '2026-03-01T12:00:00.000Z',
            resolvedAt: null,
            url: 'https://vigil.example.org/incidents/inc-1',
          },
        },
        {
          key: 'inc-2:resolved:0',
          kind: 'resolved',
          time: '2026-03-01T13:00:00.000Z',
          step: 0,
          incident: {
            id: 'inc-2',
            rule: 'minitwit_down',
            state: 'resolved',
            severity: 'critical',
            labels: { host: 'web2' },
            value: 1,
            summary: 'MiniTwit is down on web2',
            openedAt: '2026-03-01T12:00:00.000Z',
            resolvedAt: '2026-03-01T13:00:00.000Z',
            url: 'https://vigil.example.org/incidents/inc-2',
          },
        },
      ],
    });
  }));

test('webhook: sends content type, keys, timestamp and the channel headers', () =>
  withReceiver(async (receiver) => {
    const sink = sinkFor(receiver, {
      secret: undefined,
      headers: [
        { name: 'Authorization', value: HEADER_TOKEN },
        { name: 'X-Team', value: 'ops' },
      ],
    });
    const before = Math.floor(Date.now() / 1000);
    await sink.send(sampleBatch(), never());
    await sink.send([sampleNotification()], never());
    const [batch, single] = receiver.requests;
    assert.equal(batch!.headers['content-type'], 'application/json');
    assert.equal(batch!.headers['x-vigil-key'], 'inc-1:firing:0,inc-2:resolved:0');
    assert.equal(single!.headers['x-vigil-key'], 'inc-1:firing:0');
    const timestamp = Number(batch!.headers['x-vigil-timestamp']);
    assert.ok(Number.isInteger(timestamp) && timestamp >= before && timestamp <= before + 5);
    assert.equal(batch!.headers['authorization'], HEADER_TOKEN);
    assert.equal(batch!.headers['x-team'], 'ops');
    assert.equal(batch!.headers['x-vigil-signature'], undefined);
  }));

test('webhook: keys outside printable ASCII are percent-encoded in X-Vigil-Key', () =>
  withReceiver(async (receiver) => {
    const odd = sampleNotification({ key: 'inc-9:firing:0,x\nü%' });
    await sinkFor(receiver).send([odd, sampleNotification()], never());
    assert.equal(receiver.requests[0]!.headers['x-vigil-key'], 'inc-9:firing:0%2Cx%0A%C3%BC%25,inc-1:firing:0');
    assert.equal((receiver.requests[0]!.json as { notifications: { key: string }[] }).notifications[0]!.key, 'inc-9:firing:0,x\nü%');
  }));

test('webhook: the signature verifies with the secret and fails with another', () =>
  withReceiver(async (receiver) => {
    await sinkFor(receiver).send(sampleBatch(), never());
    const { headers, body } = receiver.requests[0]!;
    const timestamp = String(headers['x-vigil-timestamp']);
    const signature = String(headers['x-vigil-signature']);
    assert.match(signature, /^sha256=[0-9a-f]{64}$/);
    assert.equal(verifyWebhook(SECRET, timestamp, body, signature), true);
    assert.equal(verifyWebhook('another-secret', timestamp, body, signature), false);
    assert.equal(verifyWebhook(SECRET, String(Number(timestamp) + 1), body, signature), false);
    assert.equal(verifyWebhook(SECRET, timestamp, body.replace('web1', 'web3'), signature), false);
  }));

test('webhook: the slack format is one line per notification, escaped', () =>
  withReceiver(async (receiver) => {
    const batch = [
      ...sampleBatch(),
      sampleNotification({
        key: 'inc-3:escalation:1',
        kind: 'escalation',
        step: 1,
        incident: { rule: 'disk_full', labels: { host: 'db<1>', mount: '/' }, summary: '', value: 97.5, url: 'https://vigil.example.org/incidents/inc-3?a=1&b=2' },
      }),
    ];
    await sinkFor(receiver, { format: 'slack' }).send(batch, never());
    assert.deepEqual(receiver.requests[0]!.json, {
      text: [
        ':red_circle: FIRING minitwit_down host=web1 — MiniTwit is down on web1 <https://vigil.example.org/incidents/inc-1|incident>',
        ':large_green_circle: RESOLVED minitwit_down host=web2 — MiniTwit is down on web2 <https://vigil.example.org/incidents/inc-2|incident>',
        ':red_circle: FIRING disk_full host=db&lt;1&gt; mount=/ (escalation) — value 97.5 <https://vigil.example.org/incidents/inc-3?a=1&amp;b=2|incident>',
      ].join('\n'),
    });
    assert.equal(receiver.requests[0]!.headers['content-type'], 'application/json');
  }));

test('webhook: statuses map to success, retryable and permanent failures', () =>
  withReceiver(async (receiver) => {
    const sink = sinkFor(receiver);
    for (const status of [200, 201, 202, 204]) {
      receiver.respond(status);
      await sink.send([sampleNotification()], never());
    }
    const cases: [number, string, boolean][] = [
      [408, 'http_server_error', true],
      [429, 'http_server_error', true],
      [500, 'http_server_error', true],
      [502, 'http_server_error', true],
      [503, 'http_server_error', true],
      [400, 'http_client_error', false],
      [401, 'http_client_error', false],
      [404, 'http_client_error', false],
      [410, 'http_client_error', false],
      [302, 'http_client_error', false],
    ];
    for (const [status, reason, retryable] of cases) {
      receiver.respond(status);
      const error = await sendFailure(sink, SECRETS);
      assert.deepEqual([status, error.reason, error.retryable], [status, reason, retryable]);
      assert.ok(error.message.includes(String(status)));
    }
    // The redirect was not followed: one request per send.
    assert.equal(receiver.requests.length, 4 + cases.length);
  }));

test('webhook: a slow receiver is a retryable timeout', () =>
  withReceiver(async (receiver) => {
    receiver.delay(5000);
    const started = performance.now();
    const error = await sendFailure(sinkFor(receiver, { timeoutMs: 200 }), SECRETS);
    assert.equal(error.reason, 'timeout');
    assert.equal(error.retryable, true);
    assert.ok(performance.now() - started < 1500);
  }));

test('webhook: a server certificate that does not check out is a config error', async () => {
  // smtp-server's bundled self-signed certificate: any https server the sink cannot trust.
  const { key, cert } = getTLSOptions();
  const server = createHttpsServer({ key, cert }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  try {
    const { port } = server.address() as AddressInfo;
    const error = await sendFailure(sinkFor({ origin: `https://127.0.0.1:${port}` }), SECRETS);
    assert.equal(error.reason, 'config');
    assert.equal(error.retryable, false);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('webhook: errors name the channel and scheme://host:port only', () =>
  withReceiver(async (receiver) => {
    receiver.respond(500);
    const error = await sendFailure(sinkFor(receiver), SECRETS);
    assert.ok(error.message.includes('ops-hook'));
    assert.ok(error.message.includes(receiver.origin));
    assert.ok(!error.message.includes('/hooks'));
  }));

test('webhook: options are validated when the sink is created, without echoing secrets', () => {
  const origin = 'http://127.0.0.1:9';
  const bad: Partial<WebhookSinkOptions>[] = [
    { url: `not a url ${QUERY_TOKEN}` },
    { url: `ftp://127.0.0.1/${PATH_TOKEN}` },
    { url: `https://user:${QUERY_TOKEN}@127.0.0.1/hook` },
    { headers: [{ name: 'Content-Type', value: 'text/plain' }] },
    { headers: [{ name: 'X-Vigil-Signature', value: 'sha256=00' }] },
    { headers: [{ name: 'x-vigil-key', value: 'forged' }] },
    { headers: [{ name: 'X-Token', value: `${HEADER_TOKEN}\r\nX-Evil: 1` }] },
    { timeoutMs: 0 },
    { secret: '' },
  ];
  for (const options of bad) {
    assert.throws(
      () => sinkFor({ origin }, options),
      (e: unknown) => e instanceof VigilError && e.code === 'E_CONFIG' && SECRETS.every((s) => !e.message.includes(s)),
      JSON.stringify(options),
    );
  }
});

test('webhook: a batch holding a redelivery carries X-Vigil-Redelivery: true; a first delivery does not', () =>
  withReceiver(async (receiver) => {
    const sink = sinkFor(receiver);
    await sink.send([sampleNotification()], never());
    await sink.send([{ ...sampleNotification(), redelivery: true }], never());
    const [first, again] = receiver.requests;
    assert.equal(first!.headers['x-vigil-redelivery'], undefined);
    assert.equal(again!.headers['x-vigil-redelivery'], 'true');
    assert.equal(again!.headers['x-vigil-key'], first!.headers['x-vigil-key']);
  }));
