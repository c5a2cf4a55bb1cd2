import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { dockerSourceOptions, dockerStepHost } from '../../cli/config-docker.js';
import { loadConfig, parseConfig } from '../../cli/config.js';
import { ErrorCode, VigilError } from '../../engine/model/errors.js';
import { createDockerSource } from '../../ingest/docker/docker-source.js';
import { ROOT, runVigil } from '../support/cli.js';

test('the docker section defaults to no container source, stream containers, logs on logs', () => {
  const c = parseConfig({});
  assert.deepEqual(c.docker, { socket: '', stream: 'containers', logs: [], logsStream: 'logs', retryMin: '250ms', retryMax: '10s' });
  assert.equal(dockerSourceOptions(c.docker), undefined);
  assert.deepEqual(dockerStepHost(c.docker, {}), {});
});

test('a socket turns the source on, and docker restart steps go to the same engine unless DOCKER_HOST says otherwise', () => {
  const c = parseConfig({ docker: { socket: '/run/podman/podman.sock', logs: ['web*'], retryMax: '2s' } });
  assert.deepEqual(dockerSourceOptions(c.docker), { socket: '/run/podman/podman.sock', stream: 'containers', logs: ['web*'], logsStream: 'logs', retryMinMs: 250, retryMaxMs: 2000 });
  assert.deepEqual(dockerStepHost(c.docker, {}), { host: 'unix:///run/podman/podman.sock' });
  assert.deepEqual(dockerStepHost(c.docker, { DOCKER_HOST: 'tcp://10.0.0.5:2375' }), { host: 'tcp://10.0.0.5:2375' });
  assert.deepEqual(dockerStepHost(parseConfig({ docker: { socket: 'tcp://127.0.0.1:2375' } }).docker, {}), { host: 'tcp://127.0.0.1:2375' });
});

test('a socket that is neither a path, unix:// nor tcp://host:port is refused with its path', () => {
  for (const socket of ['docker.sock', 'http://127.0.0.1:2375', 'tcp://127.0.0.1']) {
    assert.throws(() => parseConfig({ docker: { socket } }), (e: unknown) => e instanceof VigilError && e.code === ErrorCode.Config && /docker\.socket/.test(e.message), socket);
  }
  assert.throws(() => parseConfig({ docker: { stream: 'no spaces' } }), /docker\.stream/);
  assert.throws(() => createDockerSource({ socket: 'unix://relative' }), (e: unknown) => e instanceof VigilError && e.code === ErrorCode.Config);
});

test('the shipped containers example: its configuration validates and its rules check', async () => {
  const c = await loadConfig(path.join(ROOT, 'examples', 'containers', 'vigil.yaml'));
  assert.equal(c.docker.socket, '/var/run/docker.sock');
  assert.deepEqual(c.docker.logs, ['minitwit*']);
  const r = await runVigil(['check', 'examples/containers']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});
