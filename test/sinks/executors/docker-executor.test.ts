import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ErrorCode, VigilError } from '../../../engine/model/errors.js';
import type { ResolvedStep } from '../../../engine/playbooks/step.js';
import { createDockerExecutor } from '../../../sinks/executors/docker-executor.js';

const never = () => new AbortController().signal;
const restart = (container: string, timeoutMs = 3000): ResolvedStep => ({ kind: 'docker', action: 'restart', container, timeoutMs });

/**
 * A stand-in Docker engine: a real HTTP server on a unix socket answering the one endpoint
 * the executor uses, the way dockerd does (204, or 404 with `{"message": ...}`).
 */
async function startEngine(socketPath: string, containers: Set<string>) {
  const requests: { method: string; url: string }[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    const match = /^\/v1\.41\/containers\/([^/?]+)\/restart\?t=10$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"page not found"}');
      return;
    }
    const name = decodeURIComponent(match[1]!);
    if (!containers.has(name)) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `No such container: ${name}` }));
      return;
    }
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('docker executor against an engine on a unix socket', () => {
  let dir: string;
  let socketPath: string;
  let engine: Awaited<ReturnType<typeof startEngine>>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-docker-'));
    socketPath = join(dir, 'docker.sock');
    engine = await startEngine(socketPath, new Set(['minitwit']));
  });
  after(async () => {
    await engine?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  test('restart answered 204 is ok', async () => {
    const outcome = await createDockerExecutor({ socketPath }).run(restart('minitwit'), never());
    assert.equal(outcome.ok, true);
    assert.equal(outcome.code, 204);
    assert.deepEqual(engine.requests.at(-1), { method: 'POST', url: '/v1.41/containers/minitwit/restart?t=10' });
  });

  test('host unix:///path is the same engine', async () => {
    const outcome = await createDockerExecutor({ host: `unix://${socketPath}` }).run(restart('/minitwit'), never());
    assert.equal(outcome.ok, true);
  });

  test('an unknown container is 404: not ok, "no such container"', async () => {
    const outcome = await createDockerExecutor({ socketPath }).run(restart('ghost'), never());
    assert.equal(outcome.ok, false);
    assert.equal(outcome.code, 404);
    assert.match(outcome.error ?? '', /no such container: ghost/);
    assert.match(outcome.output, /No such container: ghost/);
  });

  test('a missing socket is not ok, with the system error', async () => {
    const outcome = await createDockerExecutor({ socketPath: join(dir, 'absent.sock') }).run(restart('minitwit'), never());
    assert.equal(outcome.ok, false);
    assert.equal(outcome.code, undefined);
    assert.match(outcome.error ?? '', /cannot reach the Docker engine at unix:\/\/.*absent\.sock \(ENOENT\)/);
  });

  test('invalid names are refused before any request', async () => {
    const before = engine.requests.length;
    for (const name of ['../images/x', 'a b', '', '-x']) {
      const outcome = await createDockerExecutor({ socketPath }).run(restart(name), never());
      assert.equal(outcome.ok, false);
    }
    assert.equal(engine.requests.length, before);
  });
});

test('docker: a refused TCP engine is not ok; a bad host is a config error', async () => {
  const outcome = await createDockerExecutor({ host: 'tcp://127.0.0.1:1' }).run(restart('minitwit'), never());
  assert.equal(outcome.ok, false);
  assert.match(outcome.error ?? '', /ECONNREFUSED/);
  for (const host of ['http://x:2375', 'tcp://nohostport', 'unix://relative.sock']) {
    assert.throws(() => createDockerExecutor({ host }), (error: unknown) => error instanceof VigilError && error.code === ErrorCode.Config);
  }
});
