import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { eventually, getJson, postJson, startVigilProcess, writeVigilFiles } from '../support/vigil-process.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

test('a send cut short by kill -9 is resent after the restart with the same key, marked as a redelivery; others go out unmarked', async () => {
  const hook = await startWebhookReceiver();
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-redelivery-'));
  const config = ['rules: ./rules', 'data: ./data', 'http:', '  listen: 127.0.0.1:0', 'notifications:', '  backoff: 100ms', ''].join('\n');
  const rules = {
    'web.vigil': [`channel chat webhook { url "${hook.url}" }`, 'rule web_down {', '  when latest health by host is status == "down"', '  notify chat', '}', ''].join('\n'),
  };
  const file = await writeVigilFiles(dir, config, rules);
  // The receiver takes the first request and holds its answer: vigil dies waiting for it.
  hook.delay(600_000);
  let vigil = await startVigilProcess(dir, file);
  try {
    assert.equal((await postJson(`${vigil.url}/v1/events`, { stream: 'health', host: 'a', status: 'down' })).status, 200);
    const first = await eventually(() => hook.requests[0], 'the first send');
    assert.equal(first.headers['x-vigil-redelivery'], undefined);
    const key = String(first.headers['x-vigil-key']);
    await vigil.kill();

    vigil = await startVigilProcess(dir, file);
    const again = await eventually(() => hook.requests[1], 'the resend after the restart');
    assert.equal(again.headers['x-vigil-key'], key);
    assert.equal(again.headers['x-vigil-redelivery'], 'true');
    const incidents = await eventually(async () => {
      const { json } = await getJson(`${vigil.url}/v1/incidents/inc-1`);
      return json?.timeline?.some((e: { kind: string }) => e.kind === 'notified') === true ? json : undefined;
    }, 'the notified entry');
    assert.equal(incidents.id, 'inc-1');

    // A notification never attempted before goes out as a first delivery.
    assert.equal((await postJson(`${vigil.url}/v1/events`, { stream: 'health', host: 'b', status: 'down' })).status, 200);
    const fresh = await eventually(() => hook.requests[2], 'the second incident');
    assert.notEqual(fresh.headers['x-vigil-key'], key);
    assert.equal(fresh.headers['x-vigil-redelivery'], undefined);
    assert.equal(hook.requests.length, 3);
  } finally {
    await vigil.stop();
    await hook.stop();
  }
});
