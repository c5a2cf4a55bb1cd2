import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { httpProbe } from '../../../ingest/checks/http-probe.js';
import { checkSpec } from './check-spec-fixture.js';
import { makeTestCertificates, type TestCertificates } from './cert-fixture.js';

function handler(req: IncomingMessage, res: ServerResponse): void {
  switch (req.url) {
    case '/ok':
      res.end('hello world');
      return;
    case '/unavailable':
      res.writeHead(503).end('busy');
      return;
    case '/redirect':
      res.writeHead(301, { location: '/ok' }).end();
      return;
    case '/big':
      // The marker comes after 1 MiB of filler: past what the probe reads.
      res.write(Buffer.alloc(1 << 20, 'x'));
      res.end('MARKER');
      return;
    case '/slow':
      return; // never answers
    default:
      res.writeHead(404).end();
  }
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

let server: Server;
let base: string;
let httpsServer: Server;
let httpsBase: string;
let certs: TestCertificates;

before(async () => {
  server = createServer(handler);
  base = `http://127.0.0.1:${await listen(server)}`;
  certs = await makeTestCertificates();
  httpsServer = createHttpsServer({ key: certs.valid.key, cert: certs.valid.cert }, handler);
  httpsBase = `https://localhost:${await listen(httpsServer)}`;
});

after(async () => {
  await close(server);
  await close(httpsServer);
  await certs.remove();
});

const signal = new AbortController().signal;

test('a 2xx answer is up, with its status code', async () => {
  const r = await httpProbe(checkSpec({ kind: 'http', target: `${base}/ok` }), signal);
  assert.equal(r.status, 'up');
  assert.equal(r.message, 'HTTP 200');
  assert.deepEqual(r.extra, { status_code: 200 });
  assert.ok(r.latencyMs >= 0 && r.latencyMs < 2000);
});

test('a status other than the expected one is down; the expected one is up', async () => {
  const down = await httpProbe(checkSpec({ kind: 'http', target: `${base}/unavailable` }), signal);
  assert.equal(down.status, 'down');
  assert.equal(down.message, 'HTTP 503');
  assert.deepEqual(down.extra, { status_code: 503 });
  const wrong = await httpProbe(checkSpec({ kind: 'http', target: `${base}/ok`, expectStatus: 204 }), signal);
  assert.equal(wrong.status, 'down');
  const expected = await httpProbe(checkSpec({ kind: 'http', target: `${base}/unavailable`, expectStatus: 503 }), signal);
  assert.equal(expected.status, 'up');
});

test('a redirect is not followed and is down without an expected status', async () => {
  const r = await httpProbe(checkSpec({ kind: 'http', target: `${base}/redirect` }), signal);
  assert.equal(r.status, 'down');
  assert.match(r.message, /^HTTP 301 .*not followed/);
  assert.deepEqual(r.extra, { status_code: 301 });
});

test('the body must contain the expected text', async () => {
  const up = await httpProbe(checkSpec({ kind: 'http', target: `${base}/ok`, expectBodyContains: 'o w' }), signal);
  assert.equal(up.status, 'up');
  const down = await httpProbe(checkSpec({ kind: 'http', target: `${base}/ok`, expectBodyContains: 'goodbye' }), signal);
  assert.equal(down.status, 'down');
  assert.equal(down.message, 'HTTP 200, body lacks "goodbye"');
  assert.deepEqual(down.extra, { status_code: 200 });
});

test('only the first 64 KiB of the body are searched', async () => {
  const r = await httpProbe(checkSpec({ kind: 'http', target: `${base}/big`, expectBodyContains: 'MARKER' }), signal);
  assert.equal(r.status, 'down');
  const plain = await httpProbe(checkSpec({ kind: 'http', target: `${base}/big` }), signal);
  assert.equal(plain.status, 'up');
});

test('no answer within the timeout is down', async () => {
  const r = await httpProbe(checkSpec({ kind: 'http', target: `${base}/slow`, timeoutMs: 200 }), signal);
  assert.equal(r.status, 'down');
  assert.equal(r.message, 'timeout after 200 ms');
  assert.deepEqual(r.extra, {});
  assert.ok(r.latencyMs >= 190 && r.latencyMs < 1000, `latency ${r.latencyMs}`);
});

test('the caller aborting ends the probe at once', async () => {
  const controller = new AbortController();
  const pending = httpProbe(checkSpec({ kind: 'http', target: `${base}/slow`, timeoutMs: 5000 }), controller.signal);
  setTimeout(() => controller.abort(), 50);
  const r = await pending;
  assert.equal(r.status, 'down');
  assert.equal(r.message, 'aborted');
  assert.ok(r.latencyMs < 1000);
});

test('a refused connection is down', async () => {
  const closed = createServer();
  const port = await listen(closed);
  await close(closed);
  const r = await httpProbe(checkSpec({ kind: 'http', target: `http://127.0.0.1:${port}/` }), signal);
  assert.equal(r.status, 'down');
  assert.match(r.message, /ECONNREFUSED/);
  assert.deepEqual(r.extra, {});
});

test('https verifies the certificate: self-signed is down unless its CA is trusted', async () => {
  const r = await httpProbe(checkSpec({ kind: 'http', target: `${httpsBase}/ok` }), signal);
  assert.equal(r.status, 'down');
  assert.match(r.message, /self[- ]signed/i);
  const trusted = await httpProbe(checkSpec({ kind: 'http', target: `${httpsBase}/ok` }), signal, { tlsCa: certs.valid.cert });
  assert.equal(trusted.status, 'up');
  assert.equal(trusted.message, 'HTTP 200');
});

test('a bad URL or scheme is down, not an exception', async () => {
  const bad = await httpProbe(checkSpec({ kind: 'http', target: 'not a url' }), signal);
  assert.equal(bad.status, 'down');
  assert.match(bad.message, /^invalid URL/);
  const ftp = await httpProbe(checkSpec({ kind: 'http', target: 'ftp://127.0.0.1/' }), signal);
  assert.equal(ftp.status, 'down');
  assert.match(ftp.message, /unsupported scheme ftp:/);
});
