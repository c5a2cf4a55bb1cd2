import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import type { Event } from '../../../engine/model/event.js';
import type { SourceContext } from '../../../engine/model/source.js';
import { createSyslogSource } from '../../../ingest/syslog/syslog-source.js';
import { freePort } from '../../support/ports.js';
import { eventually } from '../../support/vigil-process.js';

/** A source context that takes events (refusing the first `busy` offers as a full queue would) and keeps what it is told. */
function context(busy = 0) {
  const events: Event[] = [];
  const alerts: { name: string; firing: boolean; summary: string }[] = [];
  const lines: string[] = [];
  let refusals = busy;
  const ctx: SourceContext = {
    submit: (batch) => {
      if (refusals > 0) {
        refusals--;
        return 'busy';
      }
      events.push(...batch);
      return Promise.resolve([]);
    },
    submitAlerts: () => undefined,
    selfAlert: (name, firing, summary) => alerts.push({ name, firing, summary }),
    now: () => Date.now(),
    log: (line) => lines.push(line),
    counted: () => undefined,
    http: undefined,
    signal: new AbortController().signal,
  };
  return { ctx, events, alerts, lines, refusals: () => refusals };
}

async function sample(registry: Registry, name: string, listener: string): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.find((v) => v.labels.listener === listener)?.value;
}

test('tcp: a full queue holds the connection back; every message arrives once, in order', { timeout: 120_000 }, async () => {
  const port = await freePort();
  const registry = new Registry();
  const source = createSyslogSource({ listen: [`tcp://127.0.0.1:${port}`], registry: () => registry });
  const c = context(5);
  await source.start(c.ctx);
  try {
    const socket = connect({ host: '127.0.0.1', port });
    const n = 20_000;
    let text = '';
    for (let i = 0; i < n; i++) {
      const frame = `<14>1 - h app - m${i} - message ${i}`;
      text += i % 2 === 0 ? `${frame}\n` : `${Buffer.byteLength(frame)} ${frame}`;
    }
    socket.end(text);
    await eventually(() => c.events.length === n, `${n} events`);
    assert.equal(c.refusals(), 0);
    assert.deepEqual(
      c.events.map((e) => e.msgid),
      Array.from({ length: n }, (_, i) => `m${i}`),
    );
    assert.equal(await sample(registry, 'vigil_syslog_frames_received_total', `tcp://127.0.0.1:${port}`), n);
  } finally {
    await source.stop();
  }
});

test('tcp and udp: an oversized or malformed frame is dropped alone, counted, and said once', { timeout: 120_000 }, async () => {
  const [tcp, udp] = [await freePort(), await freePort()];
  const registry = new Registry();
  const listeners = [`tcp://127.0.0.1:${tcp}`, `udp://127.0.0.1:${udp}`];
  const source = createSyslogSource({ listen: listeners, maxMessageBytes: 600, registry: () => registry });
  const c = context();
  await source.start(c.ctx);
  try {
    const socket = connect({ host: '127.0.0.1', port: tcp });
    const big = `<14>1 - h app - - - ${'x'.repeat(700)}`;
    socket.write(`${Buffer.byteLength(big)} ${big}<14>1 - h app - one - fine\n<14>1 - h app - two -x\n<14>1 - h app - three - fine\n`);
    await eventually(() => c.events.length === 2, 'the two good TCP frames');
    assert.deepEqual(c.events.map((e) => e.msgid), ['one', 'three']);
    assert.equal(socket.destroyed, false);
    socket.end();
    const dgram = createSocket('udp4');
    for (const msg of [`<13>${'y'.repeat(700)}`, 'no pri', '<13>Dec  3 10:00:00 web1 cron[7]: ran\n']) {
      await new Promise<void>((resolve, reject) => dgram.send(msg, udp, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
    }
    await eventually(() => c.events.length === 3, 'the good datagram');
    dgram.close();
    assert.deepEqual([c.events[2]!.host, c.events[2]!.app, c.events[2]!.procid, c.events[2]!.message, c.events[2]!.facility, c.events[2]!.level], ['web1', 'cron', '7', 'ran', 'user', 'notice']);
    assert.equal(await sample(registry, 'vigil_syslog_frames_malformed_total', listeners[0]!), 2);
    assert.equal(await eventually(async () => (await sample(registry, 'vigil_syslog_frames_malformed_total', listeners[1]!)) === 2 && 2, 'two bad datagrams'), 2);
    // One line per listener for the first; the rest wait for the next 10 s.
    assert.equal(c.lines.filter((l) => l.startsWith(`syslog ${listeners[0]}:`)).length, 1);
    assert.match(c.lines[0]!, /over the limit of 600/);
  } finally {
    await source.stop();
  }
});

test('a listener that cannot bind fires vigil_syslog_listener_down, is retried, and resolves it', { timeout: 120_000 }, async () => {
  const port = await freePort();
  const holder = createSocket('udp4');
  await new Promise<void>((resolve) => holder.bind(port, '127.0.0.1', resolve));
  const registry = new Registry();
  const source = createSyslogSource({ listen: [`udp://127.0.0.1:${port}`], retryMs: 100, registry: () => registry });
  const c = context();
  await source.start(c.ctx);
  try {
    assert.deepEqual(c.alerts.map((a) => [a.name, a.firing]), [['vigil_syslog_listener_down', true]]);
    assert.match(c.alerts[0]!.summary, /EADDRINUSE/);
    assert.equal(source.health().up, false);
    holder.close();
    await eventually(() => c.alerts.length === 2, 'the alert resolved');
    assert.deepEqual(c.alerts[1], { name: 'vigil_syslog_listener_down', firing: false, summary: 'all syslog listeners serve' });
    assert.equal(source.health().up, true);
    assert.equal(await sample(registry, 'vigil_syslog_listener_up', `udp://127.0.0.1:${port}`), 1);
  } finally {
    await source.stop();
  }
});

test('bad options fail the start: an entry that is not an address, TLS without its files', async () => {
  assert.throws(() => createSyslogSource({ listen: ['http://127.0.0.1:80'] }), /not udp:\/\/HOST:PORT/);
  assert.throws(() => createSyslogSource({ listen: ['tls://127.0.0.1:6514'] }), /needs syslog.tls/);
  const source = createSyslogSource({ listen: [`tls://127.0.0.1:${await freePort()}`], tls: { certFile: '/nonexistent/cert.pem', keyFile: '/nonexistent/key.pem' } });
  await assert.rejects(source.start(context().ctx), /syslog.tls: cannot read \/nonexistent\/cert.pem: ENOENT/);
});
