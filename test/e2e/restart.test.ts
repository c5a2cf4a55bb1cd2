import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { eventually, getJson, startVigilProcess, writeVigilFiles } from '../support/vigil-process.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const HOSTS_PER_BATCH = 5;
const BATCHES = 40;

function batch(i: number): string {
  const lines: string[] = [];
  for (let h = 0; h < HOSTS_PER_BATCH; h++) {
    const host = `h${i * HOSTS_PER_BATCH + h}`;
    lines.push(JSON.stringify({ stream: 'health', check: 'svc', host, status: 'down' }));
    // Noise the rules read but that changes nothing.
    for (let k = 0; k < 20; k++) lines.push(JSON.stringify({ stream: 'logs', host, level: 'info', message: `request ${k}` }));
  }
  return lines.join('\n');
}

test('kill -9 in the middle of a storm: every acknowledged event counts, pending `for` timers fire, each notification goes out once', async () => {
  const hook = await startWebhookReceiver();
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-restart-'));
  const config = await writeVigilFiles(dir, 'rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\nnotifications:\n  backoff: 100ms\n', {
    'svc.vigil': [
      `channel chat webhook { url "${hook.url}" }`,
      'rule svc_down {',
      '  when latest health where check == "svc" by host is status == "down"',
      '  for 2s',
      '  notify chat',
      '}',
      '',
    ].join('\n'),
  });
  let vigil = await startVigilProcess(dir, config);
  const acked = new Set<string>();
  try {
    // A storm of concurrent batches; kill -9 once half of them were acknowledged.
    let done = 0;
    const posts = Array.from({ length: BATCHES }, (_, i) =>
      fetch(`${vigil.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: batch(i) })
        .then(async (res) => {
          if (res.status === 200) {
            const body = (await res.json()) as { rejected: unknown[] };
            assert.deepEqual(body.rejected, []);
            for (let h = 0; h < HOSTS_PER_BATCH; h++) acked.add(`h${i * HOSTS_PER_BATCH + h}`);
          }
          if (++done === BATCHES / 2) await vigil.kill();
        })
        .catch(() => undefined),
    );
    await Promise.all(posts);
    await vigil.kill();
    assert.ok(acked.size >= (BATCHES / 2) * HOSTS_PER_BATCH, `at least half the batches were acknowledged (${acked.size})`);
    assert.equal(hook.requests.length, 0, 'nothing was due before the kill');

    vigil = await startVigilProcess(dir, config);
    // Every host of an acknowledged batch fires after its `for`, although the process died while it was pending.
    const incidents = await eventually(async () => {
      const r = await getJson(`${vigil.url}/v1/incidents?limit=1000`);
      const hosts = new Set((r.json.incidents as { labels: { host: string } }[]).map((i) => i.labels.host));
      return [...acked].every((h) => hosts.has(h)) && (r.json.incidents as { id: string; labels: { host: string } }[]);
    }, 'an incident for every acknowledged host');
    assert.equal(new Set(incidents.map((i) => i.labels.host)).size, incidents.length, 'one incident per host');

    const keys = (): string[] => hook.requests.flatMap((r) => String(r.headers['x-vigil-key']).split(','));
    await eventually(() => keys().length >= incidents.length, 'a notification per incident');
    assert.equal(new Set(keys()).size, keys().length, 'no key delivered twice');

    // Once everything was delivered, another kill -9 and restart sends nothing again.
    await eventually(async () => {
      const r = await getJson(`${vigil.url}/v1/timeline?limit=10000`);
      const entries = (Array.isArray(r.json) ? r.json : r.json.entries) as { kind: string }[];
      return entries.filter((e) => e.kind === 'notified').length >= incidents.length;
    }, 'every delivery recorded');
    const before = keys().length;
    await vigil.kill();
    vigil = await startVigilProcess(dir, config);
    // A new alert as a marker: resends would start at recovery, before the marker's `for` is over.
    await fetch(`${vigil.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stream: 'health', check: 'svc', host: 'marker', status: 'down' }) });
    await eventually(() => keys().length > before, 'the marker notification');
    assert.equal(keys().length, before + 1, 'nothing resent after the second restart');
    const after = await getJson(`${vigil.url}/v1/incidents?limit=1000`);
    assert.equal(after.json.incidents.length, incidents.length + 1, 'every incident survived');
  } finally {
    await vigil.stop();
    await hook.stop();
  }
});
