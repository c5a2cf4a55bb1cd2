#!/usr/bin/env node
/**
 * A small TCP front for the failover example: clients connect to one fixed address and
 * each connection is piped to the current backend. A runtime API moves traffic:
 *
 *   GET /backend            -> the current backend, "host:port"
 *   PUT /backend  host:port -> switch; new connections go to the new backend and the
 *                              connections still open to the old one are closed, so
 *                              clients reconnect and land on the new one
 *
 * Usage:
 *   node tcp-switch.mjs --listen 127.0.0.1:3310 --api 127.0.0.1:8404 --backend 127.0.0.1:3307
 *
 * Port 0 picks a free port. When both listeners are up it prints one line on stdout,
 * `ready listen=HOST:PORT api=HOST:PORT`, with the ports actually bound. Logs go to stderr.
 * Plain Node, no dependencies.
 */

import http from 'node:http';
import net from 'node:net';
import { parseArgs } from 'node:util';

/** Largest PUT body accepted; a backend address is a few dozen bytes. */
const MAX_BODY = 256;

function log(message) {
  process.stderr.write(`tcp-switch: ${message}\n`);
}

function fail(message) {
  log(message);
  process.exit(2);
}

/** Parses "host:port" (IPv4, IPv6 in brackets, or a name); null when malformed. */
function parseAddress(text) {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text.trim());
  if (m === null) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  return { host: m[1] ?? m[2], port };
}

function formatAddress({ host, port }) {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const { values } = parseArgs({
  options: {
    listen: { type: 'string' },
    api: { type: 'string' },
    backend: { type: 'string' },
  },
});
const listenAt = parseAddress(values.listen ?? '');
const apiAt = parseAddress(values.api ?? '');
let backend = parseAddress(values.backend ?? '');
if (listenAt === null || apiAt === null || backend === null) {
  fail('usage: tcp-switch.mjs --listen HOST:PORT --api HOST:PORT --backend HOST:PORT');
}

/** Open client connections, each with the backend it was piped to. */
const connections = new Set();

const front = net.createServer((client) => {
  const target = backend;
  const upstream = net.connect({ host: target.host, port: target.port });
  const conn = { client, upstream, backend: target };
  connections.add(conn);
  // Either side ending or failing ends the pair: a half-open pair would leave the client
  // waiting on a server that is gone.
  const close = () => {
    if (!connections.delete(conn)) return;
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close).on('close', close);
  upstream.on('error', (error) => {
    log(`backend ${formatAddress(target)}: ${error.code ?? error.message}`);
    close();
  });
  upstream.on('close', close);
  client.pipe(upstream);
  upstream.pipe(client);
});

/** Switches to `next` and closes the connections still open to any other backend. */
function switchTo(next) {
  const previous = backend;
  backend = next;
  let closed = 0;
  for (const conn of connections) {
    if (conn.backend.host === next.host && conn.backend.port === next.port) continue;
    connections.delete(conn);
    conn.client.destroy();
    conn.upstream.destroy();
    closed++;
  }
  log(`backend ${formatAddress(previous)} -> ${formatAddress(next)}, closed ${closed} connection(s)`);
}

const api = http.createServer((req, res) => {
  const reply = (status, text) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${text}\n`);
  };
  if (req.url !== '/backend') return reply(404, 'not found');
  if (req.method === 'GET') return reply(200, formatAddress(backend));
  if (req.method !== 'PUT') {
    res.setHeader('allow', 'GET, PUT');
    return reply(405, 'method not allowed');
  }
  let body = '';
  let tooLarge = false;
  req.setEncoding('utf8');
  req.on('data', (chunk) => {
    body += chunk;
    if (body.length > MAX_BODY) tooLarge = true;
  });
  req.on('end', () => {
    if (tooLarge) return reply(413, 'body too large');
    const next = parseAddress(body);
    if (next === null) return reply(400, 'body must be host:port');
    switchTo(next);
    reply(200, formatAddress(next));
  });
});

function listen(server, at) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      const { address, port } = server.address();
      resolve(formatAddress({ host: address, port }));
    });
  });
}

function shutdown(signal) {
  log(`${signal}: closing`);
  for (const conn of connections) {
    conn.client.destroy();
    conn.upstream.destroy();
  }
  connections.clear();
  front.close();
  api.close();
  // Keep-alive API connections would hold the process open; nothing else is pending.
  setTimeout(() => process.exit(0), 200).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

try {
  const [frontAddress, apiAddress] = await Promise.all([listen(front, listenAt), listen(api, apiAt)]);
  log(`listening on ${frontAddress}, api on ${apiAddress}, backend ${formatAddress(backend)}`);
  process.stdout.write(`ready listen=${frontAddress} api=${apiAddress}\n`);
} catch (error) {
  fail(`cannot listen: ${error.message}`);
}
