import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerEvent, parseEngineMessage } from '../../../ingest/docker/container-event.js';

/** A `die` as Docker Engine 24 writes it (labels mixed into the attributes). */
const dockerDie = {
  status: 'die',
  id: 'abc123',
  from: 'minitwit:latest',
  Type: 'container',
  Action: 'die',
  Actor: { ID: 'abc123', Attributes: { exitCode: '137', image: 'minitwit:latest', name: 'web1', 'com.example.team': 'ops' } },
  scope: 'local',
  time: 1796308311,
  timeNano: 1796308311581616476,
};

/** The same `die` as Podman 4.3's Docker-compatible service writes it (seen on a real engine). */
const podmanDie = {
  status: 'die',
  id: 'abc123',
  from: 'localhost/app:1',
  Type: 'container',
  Action: 'die',
  Actor: { ID: 'abc123', Attributes: { app: 'minitwit', containerExitCode: '137', exitCode: '137', image: 'localhost/app:1', name: 'web1', podId: '' } },
  scope: 'local',
  time: 1796308311,
  timeNano: 1796308311581616476,
};

test('a Docker die: exit code from the attributes, time from timeNano, the other attributes are the labels', () => {
  const r = parseEngineMessage(dockerDie);
  assert.ok(r.ok);
  assert.deepEqual(containerEvent('containers', r.message), {
    stream: 'containers',
    time: 1796308311581,
    container: 'web1',
    id: 'abc123',
    image: 'minitwit:latest',
    action: 'die',
    exitCode: 137,
    labels: { 'com.example.team': 'ops' },
  });
});

test('a Podman die: containerExitCode and podId are the engine\'s, not labels', () => {
  const r = parseEngineMessage(podmanDie);
  assert.ok(r.ok);
  assert.equal(r.message.exitCode, 137);
  assert.deepEqual(r.message.labels, { app: 'minitwit' });
});

test('health: Docker puts the status after a colon in the action, Podman in HealthStatus', () => {
  const docker = parseEngineMessage({ ...dockerDie, Action: 'health_status: unhealthy', status: 'health_status: unhealthy' });
  assert.ok(docker.ok);
  assert.equal(docker.message.action, 'health_status');
  assert.equal(docker.message.health, 'unhealthy');
  assert.equal(docker.message.exitCode, undefined);
  const podman = parseEngineMessage({ ...podmanDie, Action: 'health_status', status: 'health_status', HealthStatus: 'healthy' });
  assert.ok(podman.ok);
  assert.equal(podman.message.action, 'health_status');
  assert.equal(podman.message.health, 'healthy');
  // Podman's status lags one check: the source reads the current one before reporting.
  assert.equal(podman.message.healthStale, true);
  assert.equal(docker.message.healthStale, undefined);
});

test('a kill keeps its signal; an exec_start keeps only its action', () => {
  const kill = parseEngineMessage({ ...dockerDie, Action: 'kill', Actor: { ID: 'abc123', Attributes: { name: 'web1', image: 'x', signal: '9' } } });
  assert.ok(kill.ok);
  assert.equal(kill.message.signal, '9');
  const exec = parseEngineMessage({ ...dockerDie, Action: 'exec_start: sh -c true' });
  assert.ok(exec.ok);
  assert.equal(exec.message.action, 'exec_start');
});

test('image, network and volume events are skipped; malformed messages say why', () => {
  assert.deepEqual(parseEngineMessage({ Type: 'image', Action: 'pull', Actor: { ID: '' } }), { ok: false, skip: true });
  for (const [raw, why] of [
    [[1, 2], /not a JSON object/],
    [{ Type: 'container', Actor: { ID: 'a' }, time: 1 }, /without an Action/],
    [{ Type: 'container', Action: 'die', Actor: {}, time: 1 }, /without an Actor.ID/],
    [{ Type: 'container', Action: 'die', Actor: { ID: 'a' } }, /without a time/],
  ] as const) {
    const r = parseEngineMessage(raw);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && !r.skip && why.test(r.error), JSON.stringify(raw));
  }
});

test('labels: at most 64, in key order, strings only, never prototype keys', () => {
  const attributes: Record<string, unknown> = { name: 'web1', image: 'x', odd: 5 };
  for (let i = 0; i < 80; i++) attributes[`l${String(i).padStart(2, '0')}`] = 'v';
  const raw = JSON.parse(JSON.stringify({ ...dockerDie, Actor: { ID: 'a', Attributes: attributes } }).replace('"odd"', '"__proto__":"x","odd"'));
  const r = parseEngineMessage(raw);
  assert.ok(r.ok);
  const keys = Object.keys(r.message.labels);
  assert.equal(keys.length, 64);
  assert.equal(keys[0], 'l00');
  assert.ok(!keys.includes('odd') && !keys.includes('__proto__'));
});
