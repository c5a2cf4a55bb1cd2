#!/usr/bin/env node
/**
 * Moves the TCP front (tcp-switch.mjs) to another backend through its runtime API.
 *
 * Usage:
 *   node switch.mjs --api 127.0.0.1:8404 --backend 127.0.0.1:3308 [--timeout-ms 5000]
 *
 * Exits 0 when the front answered 200 (it then sends new connections to the backend and
 * has closed the ones to the old backend), 1 otherwise.
 */

import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    api: { type: 'string' },
    backend: { type: 'string' },
    'timeout-ms': { type: 'string', default: '5000' },
  },
});
const timeoutMs = Number(values['timeout-ms']);
const api = /^(.+):(\d+)$/.exec(values.api ?? '');
if (api === null || !values.backend || !(timeoutMs > 0)) {
  console.error('usage: switch.mjs --api HOST:PORT --backend HOST:PORT [--timeout-ms MS]');
  process.exit(2);
}

const url = `http://${values.api}/backend`;
const fail = (why) => {
  console.error(`switch to ${values.backend} failed: ${url}: ${why}`);
  process.exit(1);
};
const req = http.request(
  { host: api[1].replace(/^\[|\]$/g, ''), port: Number(api[2]), path: '/backend', method: 'PUT', headers: { 'content-type': 'text/plain' } },
  (res) => {
    let text = '';
    res.setEncoding('utf8').on('data', (d) => (text += d));
    res.on('end', () => {
      if (res.statusCode !== 200) {
        console.error(`switch to ${values.backend} refused: ${res.statusCode} ${text.trim()}`);
        process.exit(1);
      }
      console.log(`front now sends to ${text.trim()}`);
      process.exit(0);
    });
  },
);
req.setTimeout(timeoutMs, () => {
  req.destroy();
  fail(`no answer within ${timeoutMs} ms`);
});
req.on('error', (error) => fail(error.code ?? error.message));
req.end(values.backend);
