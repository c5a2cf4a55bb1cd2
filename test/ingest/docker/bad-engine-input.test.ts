import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createDockerSource } from '../../../ingest/docker/docker-source.js';
import { eventually } from '../../support/vigil-process.js';
import { recordingContext } from './source-harness.js';

/**
 * An engine endpoint over TCP that writes what the test tells it into `/events`: how a
 * proxy or a broken engine could answer, which no real engine can be made to do.
 */
async function scriptedEngine(): Promise<{ url: string; write(text: string): void; close(): Promise<void> }> {
  const streams: ServerResponse[] = [];
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/v1.41/events')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      streams.push(res);
    } else if (req.url?.startsWith('/v1.41/containers/json')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    } else res.writeHead(404).end('{"message":"no such thing"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `tcp://127.0.0.1:${port}`,
    write: (text) => streams.forEach((s) => s.write(text)),
    close: () => {
      streams.forEach((s) => s.destroy());
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

function message(action: string, name: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ Type: 'container', Action: action, Actor: { ID: `id-${name}`, Attributes: { name, image: 'app:1', exitCode: '2' } }, time: 1, timeNano: Date.now() * 1e6, ...extra }) + '\n';
}

test('over tcp://: a line that is not JSON and an event without an id are counted and dropped alone; the events around them arrive', async () => {
  const engine = await scriptedEngine();
  const ctx = recordingContext();
  const source = createDockerSource({ socket: engine.url });
  await source.start(ctx);
  try {
    await eventually(() => source.health().up, 'connected');
    engine.write(message('start', 'a'));
    engine.write('{"Type":"container", this is not json\n');
    engine.write(JSON.stringify({ Type: 'container', Action: 'die', Actor: {}, time: 1 }) + '\n');
    engine.write(JSON.stringify({ Type: 'image', Action: 'pull', Actor: { ID: 'x' }, time: 1 }) + '\n');
    // One event split over two writes.
    const die = message('die', 'a');
    engine.write(die.slice(0, 30));
    engine.write(die.slice(30));
    const events = await eventually(() => (ctx.events.length >= 2 ? ctx.events : undefined), 'the two good events');
    assert.deepEqual(events.map((e) => [e.container, e.action, e.exitCode]), [['a', 'start', undefined], ['a', 'die', 2]]);
    assert.equal(ctx.rejected.get('containers'), 2, 'the bad line and the event without an id');
    assert.equal(ctx.received.get('containers'), 4, 'image events are not container events and are not counted');
    assert.ok(ctx.lines.some((l) => /not JSON/.test(l)) && ctx.lines.some((l) => /without an Actor.ID/.test(l)), ctx.lines.join('\n'));
    assert.equal(source.health().up, true, 'the stream stays open');
  } finally {
    await source.stop();
    await engine.close();
  }
});
