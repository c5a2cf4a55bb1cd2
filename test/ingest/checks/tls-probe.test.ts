import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { daysLeft, tlsProbe } from '../../../ingest/checks/tls-probe.js';
import { checkSpec } from './check-spec-fixture.js';
import { makeTestCertificates, type TestCertificates } from './cert-fixture.js';

let certs: TestCertificates;
let validServer: Server;
let expiredServer: Server;
let validPort: number;
let expiredPort: number;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

before(async () => {
  certs = await makeTestCertificates();
  validServer = createServer({ key: certs.valid.key, cert: certs.valid.cert }, (socket) => socket.end());
  expiredServer = createServer({ key: certs.expired.key, cert: certs.expired.cert }, (socket) => socket.end());
  validPort = await listen(validServer);
  expiredPort = await listen(expiredServer);
});

after(async () => {
  validServer.close();
  expiredServer.close();
  await certs.remove();
});

const signal = new AbortController().signal;

test('an untrusted (self-signed) certificate is down, with its days left', async () => {
  const r = await tlsProbe(checkSpec({ kind: 'tls', target: `localhost:${validPort}` }), signal);
  assert.equal(r.status, 'down');
  assert.match(r.message, /not trusted: DEPTH_ZERO_SELF_SIGNED_CERT/);
  // Made valid for 30 days a moment ago: 29 whole days and some hours are left.
  assert.equal(r.extra.days_left, 29);
});

test('a trusted certificate is up, with its days left', async () => {
  const r = await tlsProbe(checkSpec({ kind: 'tls', target: `localhost:${validPort}` }), signal, { tlsCa: certs.valid.cert });
  assert.equal(r.status, 'up');
  assert.match(r.message, /^certificate valid until \d{4}-\d\d-\d\d$/);
  assert.equal(r.extra.days_left, 29);
});

test('the host name is verified: an address the certificate does not name is down', async (t) => {
  const other = createServer({ key: certs.valid.key, cert: certs.valid.cert }, (socket) => socket.end());
  try {
    // The whole of 127.0.0.0/8 is loopback on Linux; elsewhere the address may not exist.
    await new Promise<void>((resolve, reject) => other.once('error', reject).listen(0, '127.0.0.2', resolve));
  } catch {
    t.skip('127.0.0.2 is not available');
    return;
  }
  try {
    const port = (other.address() as AddressInfo).port;
    const r = await tlsProbe(checkSpec({ kind: 'tls', target: `127.0.0.2:${port}` }), signal, { tlsCa: certs.valid.cert });
    assert.equal(r.status, 'down');
    assert.match(r.message, /not trusted: ERR_TLS_CERT_ALTNAME_INVALID/);
    assert.equal(r.extra.days_left, 29);
  } finally {
    other.close();
  }
});

test('an expired certificate is down with negative days left, even when trusted', async () => {
  const r = await tlsProbe(checkSpec({ kind: 'tls', target: `localhost:${expiredPort}` }), signal, { tlsCa: certs.expired.cert });
  assert.equal(r.status, 'down');
  assert.equal(r.message, 'certificate expired on 2020-02-01');
  assert.equal(r.extra.days_left, daysLeft(Date.UTC(2020, 1, 1), Date.now()));
  assert.ok((r.extra.days_left as number) < -365);
});

test('a server that does not speak TLS is down without days left', async () => {
  const { createServer: createTcpServer } = await import('node:net');
  const plain = createTcpServer((socket) => socket.end('hello\r\n'));
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  try {
    const r = await tlsProbe(checkSpec({ kind: 'tls', target: `127.0.0.1:${(plain.address() as AddressInfo).port}` }), signal);
    assert.equal(r.status, 'down');
    assert.equal(r.extra.days_left, undefined);
  } finally {
    plain.close();
  }
});

test('days left round down and go negative once expired', () => {
  const day = 86_400_000;
  assert.equal(daysLeft(10 * day, 0), 10);
  assert.equal(daysLeft(10 * day, 1), 9);
  assert.equal(daysLeft(0, 1), -1);
  assert.equal(daysLeft(0, day), -1);
  assert.equal(daysLeft(0, day + 1), -2);
});
