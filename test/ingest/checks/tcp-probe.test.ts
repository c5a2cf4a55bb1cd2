import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tcpProbe } from '../../../ingest/checks/tcp-probe.js';
import { parseHostPort } from '../../../ingest/checks/host-port.js';
import { checkSpec } from './check-spec-fixture.js';

async function listening(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

const signal = new AbortController().signal;

test('a listening port is up', async () => {
  const { server, port } = await listening();
  try {
    const r = await tcpProbe(checkSpec({ kind: 'tcp', target: `127.0.0.1:${port}` }), signal);
    assert.equal(r.status, 'up');
    assert.equal(r.message, 'connected');
    assert.deepEqual(r.extra, {});
  } finally {
    server.close();
  }
});

test('a closed port is down', async () => {
  const { server, port } = await listening();
  await new Promise((resolve) => server.close(resolve));
  const r = await tcpProbe(checkSpec({ kind: 'tcp', target: `127.0.0.1:${port}` }), signal);
  assert.equal(r.status, 'down');
  assert.match(r.message, /^connect ECONNREFUSED/);
});

test('a target without a valid port is down', async () => {
  const r = await tcpProbe(checkSpec({ kind: 'tcp', target: 'localhost' }), signal);
  assert.equal(r.status, 'down');
  assert.match(r.message, /^invalid target/);
});

test('targets parse as host:port and [v6]:port', () => {
  assert.deepEqual(parseHostPort('db.example.com:5432'), { host: 'db.example.com', port: 5432 });
  assert.deepEqual(parseHostPort('[::1]:443'), { host: '::1', port: 443 });
  assert.equal(parseHostPort('host:0'), undefined);
  assert.equal(parseHostPort('host:70000'), undefined);
  assert.equal(parseHostPort('::1:443'), undefined);
});
