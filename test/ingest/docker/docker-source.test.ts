import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Event } from '../../../engine/model/event.js';
import { createDockerSource, DOCKER_DOWN_ALERT } from '../../../ingest/docker/docker-source.js';
import { startPodman, type PodmanEngine } from '../../support/podman.js';
import { freePort } from '../../support/ports.js';
import { eventually } from '../../support/vigil-process.js';
import { recordingContext } from './source-harness.js';

let engine: PodmanEngine;
before(async () => {
  engine = await startPodman();
});
after(async () => {
  await engine?.stop();
});

function find(events: readonly Event[], container: string, action: string, extra: (e: Event) => boolean = () => true): Event | undefined {
  return events.find((e) => e.container === container && e.action === action && extra(e));
}

test('container start, kill and die (with its exit code and labels) become events on the containers stream', async () => {
  const ctx = recordingContext();
  const source = createDockerSource({ socket: engine.socket });
  await source.start(ctx);
  try {
    await eventually(() => source.health().up, 'the source connected');
    const port = await freePort();
    const id = await engine.run('web-a', ['/bin/httpd', '-f', '-p', `127.0.0.1:${port}`], ['--label', 'app=minitwit', '--label', 'team=ops']);
    const started = await eventually(() => find(ctx.events, 'web-a', 'start'), 'the start event');
    assert.equal(started.stream, 'containers');
    assert.equal(started.id, id);
    assert.equal(started.image, 'localhost/vigil-test-busybox:1');
    assert.deepEqual(started.labels, { app: 'minitwit', team: 'ops' });
    assert.equal(typeof started.time, 'number');
    await engine.podman(['kill', 'web-a']);
    const died = await eventually(() => find(ctx.events, 'web-a', 'die'), 'the die event');
    assert.equal(died.exitCode, 137);
    assert.deepEqual(died.labels, { app: 'minitwit', team: 'ops' });
    assert.equal(died.synthetic, undefined);
    assert.ok(find(ctx.events, 'web-a', 'kill'), 'the kill came before');
    await engine.podman(['restart', 'web-a']);
    await eventually(() => ctx.events.filter((e) => e.container === 'web-a' && e.action === 'start').length === 2, 'the second start');
    // Engine bookkeeping (create, init, cleanup, exec_died) is not reported.
    assert.deepEqual([...new Set(ctx.events.map((e) => e.action))].filter((a) => !['start', 'die', 'kill', 'restart'].includes(a as string)), []);
    assert.equal(ctx.rejected.get('containers') ?? 0, 0);
  } finally {
    await source.stop();
  }
});

test('the engine socket closes: the source reports it down with a self-alert, and after it is back a death in the gap arrives as a synthetic die', async () => {
  const ctx = recordingContext();
  const source = createDockerSource({ socket: engine.socket, retryMinMs: 100, retryMaxMs: 500 });
  await source.start(ctx);
  try {
    await engine.run('gap-a', ['/bin/sleep', '1000'], ['--label', 'tier=web']);
    await engine.run('gap-b', ['/bin/sleep', '1000']);
    await eventually(() => source.health().up && find(ctx.events, 'gap-a', 'start') && find(ctx.events, 'gap-b', 'start'), 'both starts');
    await engine.stopService();
    await eventually(() => !source.health().up, 'the source down');
    const alert = await eventually(() => ctx.alerts.find((a) => a.name === DOCKER_DOWN_ALERT && a.firing), 'the self-alert');
    assert.match(alert.summary, /cannot be reached/);
    assert.match(source.health().detail ?? '', /\S/);
    // While nobody listens: one container dies with its own exit code, a new one starts.
    await engine.podman(['exec', 'gap-a', '/bin/kill', '-TERM', '1']).catch(() => undefined);
    await engine.podman(['stop', '-t', '0', 'gap-a']).catch(() => undefined);
    await engine.run('gap-c', ['/bin/sleep', '1000']);
    await engine.startService();
    await eventually(() => source.health().up, 'the source up again');
    const died = await eventually(() => find(ctx.events, 'gap-a', 'die'), 'the synthetic die');
    assert.equal(died.synthetic, true);
    assert.equal(typeof died.exitCode, 'number');
    assert.deepEqual(died.labels, { tier: 'web' });
    const started = await eventually(() => find(ctx.events, 'gap-c', 'start'), 'the synthetic start');
    assert.equal(started.synthetic, true);
    assert.equal(find(ctx.events, 'gap-b', 'die'), undefined, 'the container that kept running did not die');
    await eventually(() => ctx.alerts.find((a) => a.name === DOCKER_DOWN_ALERT && !a.firing), 'the self-alert resolved');
    // Live events flow again after the gap.
    await engine.podman(['kill', 'gap-b']);
    const live = await eventually(() => find(ctx.events, 'gap-b', 'die'), 'a live die after the reconnect');
    assert.equal(live.synthetic, undefined);
    assert.equal(live.exitCode, 137);
  } finally {
    await source.stop();
  }
});

test('docker.logs: stdout and stderr of matching containers become log events, other containers are not followed', async () => {
  const ctx = recordingContext();
  const source = createDockerSource({ socket: engine.socket, logs: ['talk-*'], logsStream: 'applogs' });
  await source.start(ctx);
  try {
    await eventually(() => source.health().up, 'the source connected');
    const script = 'echo "hello out"; echo "trouble here" >&2; echo "second line"; sleep 1000';
    await engine.run('talk-1', ['/bin/sh', '-c', script], ['--label', 'app=chatty']);
    await engine.run('quiet-1', ['/bin/sh', '-c', script]);
    const lines = await eventually(() => {
      const got = ctx.events.filter((e) => e.stream === 'applogs');
      return got.length >= 3 ? got : undefined;
    }, 'three log lines');
    const byText = new Map(lines.map((e) => [e.message, e]));
    assert.equal(byText.get('hello out')?.source, 'stdout');
    assert.equal(byText.get('trouble here')?.source, 'stderr');
    assert.equal(byText.get('second line')?.source, 'stdout');
    for (const e of lines) {
      assert.equal(e.container, 'talk-1');
      assert.deepEqual(e.labels, { app: 'chatty' });
      assert.ok(Math.abs(e.time - Date.now()) < 10 * 60_000, 'the engine timestamp is the event time');
    }
    await eventually(() => find(ctx.events, 'quiet-1', 'start'), 'the other container started');
    assert.equal(ctx.events.filter((e) => e.stream === 'applogs' && e.container === 'quiet-1').length, 0);
    // Restarted: its new lines are followed, the old ones are not read again.
    await engine.podman(['restart', '-t', '0', 'talk-1']);
    const again = await eventually(() => {
      const got = ctx.events.filter((e) => e.stream === 'applogs');
      return got.length >= 6 ? got : undefined;
    }, 'the lines of the second run');
    assert.equal(again.length, 6, again.map((e) => e.message).join(' | '));
    assert.equal(again.filter((e) => e.message === 'hello out').length, 2, 'each line once per run');
  } finally {
    await source.stop();
  }
});

test('health: a failing health check is reported unhealthy at its first failure (Podman\'s own event says starting there)', async () => {
  const ctx = recordingContext();
  const source = createDockerSource({ socket: engine.socket });
  await source.start(ctx);
  try {
    await eventually(() => source.health().up, 'the source connected');
    await engine.run('sick-1', ['/bin/sleep', '1000'], ['--health-cmd', '/bin/false', '--health-retries', '1', '--health-interval', '0']);
    await eventually(() => find(ctx.events, 'sick-1', 'start'), 'the start');
    // No systemd here to run the checks on a timer: run them as its timer would, a few
    // times (on a loaded machine the inspection can still show the previous status).
    let sick: Event | undefined;
    for (let i = 0; i < 5 && sick === undefined; i++) {
      await engine.podman(['healthcheck', 'run', 'sick-1']).catch(() => undefined);
      await eventually(() => ctx.events.filter((e) => e.container === 'sick-1' && e.action === 'health_status').length > i, 'the health event of this check');
      sick = find(ctx.events, 'sick-1', 'health_status', (e) => e.health === 'unhealthy');
    }
    assert.ok(sick, JSON.stringify(ctx.events.filter((e) => e.action === 'health_status').map((e) => e.health)));
    // Never healthy: the check always fails.
    assert.ok(!ctx.events.some((e) => e.action === 'health_status' && e.health === 'healthy'));
  } finally {
    await source.stop();
  }
});

test('an engine that is not there: the start succeeds, the source reports down and keeps retrying', async () => {
  const ctx = recordingContext();
  const source = createDockerSource({ socket: `${engine.dir}/no-such.sock`, retryMinMs: 50, retryMaxMs: 100 });
  await source.start(ctx);
  try {
    const alert = await eventually(() => ctx.alerts.find((a) => a.firing), 'the self-alert');
    assert.equal(alert.name, DOCKER_DOWN_ALERT);
    assert.match(source.health().detail ?? '', /ENOENT/);
  } finally {
    await source.stop();
  }
  assert.equal(source.health().up, false);
});
