import assert from 'node:assert/strict';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { test } from 'node:test';
import { iso, startApi, T0, type Harness } from './api-harness.js';
import { eventually, openSse } from './sse-client.js';

async function listen(h: Harness): Promise<string> {
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  const address = h.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

test('the timeline lists entries oldest first, filtered by time, paged with after and next', async () => {
  const h = await startApi();
  h.event(0, { host: 'a', status: 'down' });
  h.event(1000, { host: 'b', status: 'slow' });
  h.event(2000, { host: 'a', status: 'up' });
  h.advance(11_000);
  const all = (await h.inject({ url: '/v1/timeline' })).json();
  assert.deepEqual(
    all.entries.map((e: { id: number; time: string; kind: string; incident: string | null }) => [e.id, e.time, e.kind, e.incident]),
    [
      [1, iso(0), 'firing', 'inc-1'],
      [2, iso(1000), 'pending', null],
      [3, iso(2000), 'resolved', 'inc-1'],
      [4, iso(11_000), 'firing', 'inc-2'],
    ],
  );
  assert.equal(all.next, null);
  assert.deepEqual(Object.keys(all.entries[0]), ['id', 'time', 'incident', 'rule', 'kind', 'labels', 'detail']);
  assert.deepEqual(all.entries[0].labels, { host: 'a', rule: 'down', severity: 'critical' });

  const window = (await h.inject({ url: `/v1/timeline?since=${T0 + 1000}&until=${encodeURIComponent(iso(2000))}` })).json();
  assert.deepEqual(window.entries.map((e: { id: number }) => e.id), [2, 3]);

  const page1 = (await h.inject({ url: '/v1/timeline?limit=3' })).json();
  assert.deepEqual(page1.entries.map((e: { id: number }) => e.id), [1, 2, 3]);
  assert.equal(page1.next, 3);
  const page2 = (await h.inject({ url: `/v1/timeline?limit=3&after=${page1.next}` })).json();
  assert.deepEqual(page2.entries.map((e: { id: number }) => e.id), [4]);
  assert.equal(page2.next, null);

  for (const url of ['/v1/timeline?limit=10001', '/v1/timeline?after=-1', '/v1/timeline?since=soon', '/v1/timeline?kind=firing']) {
    assert.equal((await h.inject({ url })).statusCode, 400, url);
  }
  await h.close();
});

test('the stream sends timeline entries as they happen, as server-sent events', async () => {
  const h = await startApi({ heartbeatMs: 50 });
  h.event(0, { host: 'old', status: 'down' });
  const base = await listen(h);
  const client = await openSse(`${base}/v1/stream`);
  assert.equal(client.status, 200);
  assert.match(client.headers['content-type'] ?? '', /^text\/event-stream/);
  await eventually(() => h.listeners() === 1);

  h.event(1000, { host: 'a', status: 'down' });
  h.advance(2000);
  await h.inject({ method: 'POST', url: '/v1/incidents/inc-2/ack', payload: { by: 'alice', reason: 'mine' } });
  const [firing, acked] = await client.events(2);
  assert.equal(firing!.event, 'timeline');
  assert.equal(firing!.id, '2');
  assert.deepEqual(JSON.parse(firing!.data!), {
    id: 2,
    time: iso(1000),
    incident: 'inc-2',
    rule: 'down',
    kind: 'firing',
    labels: { host: 'a', rule: 'down', severity: 'critical' },
    detail: { value: null, summary: 'a is down' },
  });
  assert.equal(acked!.id, '3');
  assert.deepEqual(JSON.parse(acked!.data!).detail, { by: 'alice', why: 'mine' });

  // Keep-alive comments come while nothing happens.
  let heartbeat;
  do heartbeat = await client.next(1000);
  while (heartbeat.comment !== 'heartbeat');
  client.close();
  await h.close();
});

test('Last-Event-ID replays the entries after it before the live ones, over several pages', async () => {
  const h = await startApi();
  for (let i = 0; i < 300; i++) h.event(i * 10, { host: `h${i}`, status: 'down' });
  const base = await listen(h);
  const client = await openSse(`${base}/v1/stream`, { 'last-event-id': '5' });
  const replayed = await client.events(295);
  assert.deepEqual(
    replayed.map((m) => Number(m.id)),
    Array.from({ length: 295 }, (_, i) => i + 6),
  );
  h.event(5000, { host: 'late', status: 'down' });
  const [live] = await client.events(1);
  assert.equal(live!.id, '301');
  assert.equal(JSON.parse(live!.data!).labels.host, 'late');

  const bad = await fetch(`${base}/v1/stream`, { headers: { 'last-event-id': 'x1' } });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /last-event-id/);
  client.close();
  await h.close();
});

test('clients that disconnect leave no listener behind', async () => {
  const h = await startApi();
  const base = await listen(h);
  const clients = await Promise.all([1, 2, 3].map(() => openSse(`${base}/v1/stream`)));
  await eventually(() => h.listeners() === 3);
  clients[0]!.close();
  await eventually(() => h.listeners() === 2);
  h.event(0, { host: 'a', status: 'down' });
  for (const c of clients.slice(1)) assert.equal((await c.events(1))[0]!.id, '1');
  clients[1]!.close();
  clients[2]!.close();
  await eventually(() => h.listeners() === 0);
  // The book goes on without them.
  h.event(1000, { host: 'b', status: 'down' });
  assert.equal(h.entries().length, 2);
  await h.close();
});

test('closing the server ends open streams instead of waiting for the clients', async () => {
  const h = await startApi();
  const base = await listen(h);
  const client = await openSse(`${base}/v1/stream`);
  await eventually(() => h.listeners() === 1);
  await h.close();
  assert.equal(h.listeners(), 0);
  // Only the greeting was ever sent; then the stream ends.
  assert.equal((await client.next(1000)).comment, 'connected');
  await assert.rejects(client.next(1000), /stream ended/);
});

test('a client that stops reading is not buffered for: it catches up from the book, in order', async () => {
  let response: ServerResponse | undefined;
  const h = await startApi({
    before: (app) =>
      app.addHook('onRequest', async (req, reply) => {
        if (req.url === '/v1/stream') response = reply.raw;
      }),
  });
  const base = await listen(h);
  const req = request(`${base}/v1/stream`, { agent: false });
  const res = await new Promise<IncomingMessage>((resolve) => req.on('response', resolve).end());
  res.pause();
  await eventually(() => h.listeners() === 1);

  const total = 20_000;
  const text = 'x'.repeat(200);
  h.event(0, { host: 'a', status: 'down' });
  let most = 0;
  for (let i = 1; i < total; i++) {
    h.ctx.submit({ t: 'comment', id: 'inc-1', by: 'load', text });
    most = Math.max(most, response!.writableLength);
  }
  // Several megabytes were written; the server never held more than a page or so of them.
  assert.ok(most < 512 * 1024, `server buffered ${most} bytes`);

  res.setEncoding('utf8');
  let received = '';
  const ids: number[] = [];
  for await (const chunk of res) {
    received += chunk as string;
    const complete = received.lastIndexOf('\n\n') + 2;
    for (const m of received.slice(0, complete).matchAll(/^id: (\d+)$/gm)) ids.push(Number(m[1]));
    received = received.slice(complete);
    if (ids.length >= total) break;
  }
  assert.equal(ids.length, total);
  assert.ok(ids.every((id, i) => id === i + 1), 'every entry once, in order');
  req.destroy();
  await h.close();
});
