import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { SinkError } from '../../engine/model/notification.js';
import { onAbort } from '../../runtime/abort-hook.js';
import { deadline } from '../../runtime/deadline.js';
import { retryStage } from '../../runtime/delivery/retry-stage.js';
import { createWebhookSink } from '../../sinks/notify/webhook-sink.js';
import { sampleBatch } from '../sinks/sink-contract.js';
import { eventually } from '../support/vigil-process.js';

const listeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

/** Collects the MaxListenersExceededWarnings emitted while `body` runs. */
async function maxListenerWarnings(body: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const onWarning = (w: Error): void => {
    if (w.name === 'MaxListenersExceededWarning') seen.push(w.message);
  };
  process.on('warning', onWarning);
  try {
    await body();
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  return seen;
}

test('onAbort: one listener for any number of hooks; unhooking the last removes it; abort calls each once', () => {
  const controller = new AbortController();
  const calls: number[] = [];
  const unhooks = Array.from({ length: 50 }, (_, i) => onAbort(controller.signal, () => calls.push(i)));
  assert.equal(listeners(controller.signal), 1);
  for (const unhook of unhooks.slice(0, 49)) unhook();
  assert.equal(listeners(controller.signal), 1);
  unhooks[49]!();
  unhooks[49]!();
  assert.equal(listeners(controller.signal), 0);

  const again = [onAbort(controller.signal, () => calls.push(100)), onAbort(controller.signal, () => calls.push(101))];
  again[0]!();
  controller.abort();
  assert.deepEqual(calls, [101]);
  assert.equal(listeners(controller.signal), 0);
  // An aborted signal calls at once.
  onAbort(controller.signal, () => calls.push(102));
  assert.deepEqual(calls, [101, 102]);
});

test('a deadline on an aborted parent is aborted at once', () => {
  const controller = new AbortController();
  controller.abort();
  const limit = deadline(controller.signal, 10_000);
  assert.equal(limit.signal.aborted, true);
  assert.equal(limit.expired(), false);
  limit.dispose();
});

test('many webhook sends against a slow receiver share one signal without piling listeners on it', async () => {
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => held.push(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const sink = createWebhookSink({ name: 'slow', url: `http://127.0.0.1:${port}/hook`, format: 'json', headers: [], timeoutMs: 60_000 });
  const shutdown = new AbortController();
  const sends = 40;
  try {
    const warnings = await maxListenerWarnings(async () => {
      const all = Array.from({ length: sends }, () => sink.send(sampleBatch(), shutdown.signal));
      // Every send is in flight at once: the receiver holds them all.
      await eventually(() => held.length === sends, 'every request held by the receiver');
      assert.ok(listeners(shutdown.signal) <= 1, `${listeners(shutdown.signal)} listeners on the shared signal`);
      for (const res of held) res.end('ok');
      await Promise.all(all);
    });
    assert.deepEqual(warnings, []);
    assert.equal(listeners(shutdown.signal), 0);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('batches waiting to retry share the pipeline signal without piling listeners on it', async () => {
  let attempts = 0;
  const stage = retryStage({
    inner: {
      async run() {
        attempts++;
        if (attempts <= 40) throw new SinkError('http_server_error', true, 'HTTP 503');
        return [];
      },
    },
    maxAttempts: 3,
    // Long enough that all 40 batches are seen waiting at once, even on a busy machine.
    baseMs: 2000,
    maxMs: 2000,
  });
  const shutdown = new AbortController();
  const warnings = await maxListenerWarnings(async () => {
    const all = Array.from({ length: 40 }, () =>
      stage.run(sampleBatch(), { channel: 'c', signal: shutdown.signal, onAttempt: () => {}, onAttemptFailed: () => {} }),
    );
    await eventually(() => attempts === 40, 'every batch waiting for its retry');
    assert.ok(listeners(shutdown.signal) <= 1, `${listeners(shutdown.signal)} listeners on the shared signal`);
    await Promise.all(all);
  });
  assert.deepEqual(warnings, []);
  assert.equal(attempts, 80);
  assert.equal(listeners(shutdown.signal), 0);
});
