import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { OUTPUT_EXCERPT_CHARS, type ResolvedStep } from '../../../engine/playbooks/step.js';
import { createHttpExecutor } from '../../../sinks/executors/http-executor.js';

const never = () => new AbortController().signal;
const QUERY_TOKEN = 'qtok-Zx81';
const PASSWORD = 'pw-Kd93s';
const HEADER_TOKEN = 'hdr-Mm20q';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

function httpStep(url: string, overrides: Partial<Extract<ResolvedStep, { kind: 'http' }>> = {}): ResolvedStep {
  return { kind: 'http', method: 'POST', url, headers: [], timeoutMs: 3000, ...overrides };
}

describe('http executor against a real server', () => {
  let server: Server;
  let origin: string;
  const seen: Seen[] = [];

  before(async () => {
    // The path picks the answer: /status/NNN, /slow, /big, /echo-auth.
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
        const path = (req.url ?? '').split('?')[0] ?? '';
        const status = /^\/status\/(\d{3})$/.exec(path);
        if (status) {
          res.statusCode = Number(status[1]);
          res.end(`answer ${status[1]}`);
        } else if (path === '/slow') {
          setTimeout(() => res.end('late'), 5000).unref();
        } else if (path === '/big') {
          res.end(`BEGIN${'x'.repeat(200_000)}END`);
        } else if (path === '/echo-auth') {
          res.end(`you sent ${req.headers.authorization ?? ''} and ${req.headers['x-api-token'] ?? ''}`);
        } else {
          res.statusCode = 404;
          res.end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('a 2xx is ok without expectStatus; method, headers and body are sent', async () => {
    const outcome = await createHttpExecutor().run(
      httpStep(`${origin}/status/202`, { body: '{"drain":true}', headers: [{ name: 'content-type', value: 'application/json' }] }),
      never(),
    );
    assert.deepEqual(outcome, { ok: true, code: 202, output: 'HTTP 202 Accepted\nanswer 202' });
    const last = seen.at(-1)!;
    assert.equal(last.method, 'POST');
    assert.equal(last.body, '{"drain":true}');
    assert.equal(last.headers['content-type'], 'application/json');
  });

  test('expectStatus must match exactly', async () => {
    const executor = createHttpExecutor();
    const matched = await executor.run(httpStep(`${origin}/status/409`, { expectStatus: 409 }), never());
    assert.equal(matched.ok, true);
    const mismatched = await executor.run(httpStep(`${origin}/status/200`, { method: 'GET', expectStatus: 204 }), never());
    assert.equal(mismatched.ok, false);
    assert.equal(mismatched.code, 200);
    assert.match(mismatched.error ?? '', /HTTP 200, expected 204/);
    const failed = await executor.run(httpStep(`${origin}/status/503`), never());
    assert.equal(failed.ok, false);
    assert.equal(failed.code, 503);
    assert.equal(failed.output, 'HTTP 503 Service Unavailable\nanswer 503');
  });

  test('a long body is cut to head and tail', async () => {
    const outcome = await createHttpExecutor().run(httpStep(`${origin}/big`, { method: 'GET' }), never());
    assert.equal(outcome.ok, true);
    assert.ok(outcome.output.length <= OUTPUT_EXCERPT_CHARS);
    assert.ok(outcome.output.startsWith('HTTP 200 OK\nBEGIN'));
    assert.ok(outcome.output.endsWith('END'));
  });

  test('a slow answer times out, and the error holds no query or credentials', async () => {
    const started = Date.now();
    const outcome = await createHttpExecutor().run(
      httpStep(`http://admin:${PASSWORD}@127.0.0.1:${new URL(origin).port}/slow?token=${QUERY_TOKEN}`, { timeoutMs: 300 }),
      never(),
    );
    assert.ok(Date.now() - started < 2000);
    assert.equal(outcome.ok, false);
    assert.match(outcome.error ?? '', /timed out after 300 ms/);
    assert.match(outcome.error ?? '', /^POST http:\/\/127\.0\.0\.1:\d+: /);
    for (const hidden of [PASSWORD, QUERY_TOKEN, 'admin', '/slow']) {
      assert.ok(!(outcome.error ?? '').includes(hidden), `error shows ${hidden}`);
    }
  });

  test('a refused connection fails with its code and no credentials', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const outcome = await createHttpExecutor().run(
      httpStep(`http://admin:${PASSWORD}@127.0.0.1:${port}/x?token=${QUERY_TOKEN}`),
      never(),
    );
    assert.equal(outcome.ok, false);
    assert.equal(outcome.code, undefined);
    assert.match(outcome.error ?? '', /ECONNREFUSED/);
    assert.ok(!JSON.stringify(outcome).includes(PASSWORD));
    assert.ok(!JSON.stringify(outcome).includes(QUERY_TOKEN));
  });

  test('URL credentials become Basic auth, and echoed credentials are scrubbed', async () => {
    const outcome = await createHttpExecutor().run(
      httpStep(`http://admin:${PASSWORD}@127.0.0.1:${new URL(origin).port}/echo-auth`, {
        headers: [{ name: 'X-Api-Token', value: HEADER_TOKEN }],
      }),
      never(),
    );
    assert.equal(outcome.ok, true);
    const last = seen.at(-1)!;
    assert.equal(last.headers.authorization, `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`);
    assert.equal(last.headers['x-api-token'], HEADER_TOKEN);
    assert.equal(outcome.output, 'HTTP 200 OK\nyou sent Basic *** and ***');
  });

  test('the caller aborting stops the request', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const outcome = await createHttpExecutor().run(httpStep(`${origin}/slow`), controller.signal);
    assert.equal(outcome.ok, false);
    assert.match(outcome.error ?? '', /aborted/);
  });

  test('bad steps are refused without throwing', async () => {
    const executor = createHttpExecutor();
    assert.match((await executor.run(httpStep('not a url'), never())).error ?? '', /not a valid URL/);
    assert.match((await executor.run(httpStep('file:///etc/passwd'), never())).error ?? '', /http or https/);
    const getWithBody = await executor.run(httpStep(`${origin}/status/200`, { method: 'GET', body: 'x' }), never());
    assert.equal(getWithBody.ok, false);
    assert.match(getWithBody.error ?? '', /refused/);
  });
});
