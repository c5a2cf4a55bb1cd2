import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { ResolvedStep } from '../../../engine/playbooks/step.js';
import { createStepExecutor } from '../../../sinks/executors/executors.js';

const never = () => new AbortController().signal;

test('createStepExecutor dispatches on the step kind and shares secrets', async () => {
  const server = createServer((_req, res) => res.end('served'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  try {
    const executor = createStepExecutor({ secrets: ['shared-S3cret'], docker: { socketPath: '/nonexistent/docker.sock' } });
    const exec = await executor.run({ kind: 'exec', argv: ['/bin/echo', 'shared-S3cret'], timeoutMs: 5000 }, never());
    assert.deepEqual(exec, { ok: true, code: 0, output: '***\n' });

    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const http = await executor.run({ kind: 'http', method: 'GET', url, headers: [], timeoutMs: 3000 }, never());
    assert.equal(http.output, 'HTTP 200 OK\nserved');

    const docker = await executor.run({ kind: 'docker', action: 'restart', container: 'web', timeoutMs: 3000 }, never());
    assert.match(docker.error ?? '', /ENOENT/);

    const ssh = await executor.run({ kind: 'ssh', target: '-oProxyCommand=x', argv: ['true'], timeoutMs: 3000 }, never());
    assert.equal(ssh.ok, false);

    const unknown = await executor.run({ kind: 'wait' } as unknown as ResolvedStep, never());
    assert.deepEqual(unknown, { ok: false, output: '', error: 'no executor for wait steps' });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
