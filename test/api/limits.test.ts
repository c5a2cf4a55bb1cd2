import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startApi } from './api-harness.js';
import { listen, send } from './http-client.js';
import { openSse } from './sse-client.js';

async function refusals(base: string, limit: string): Promise<number> {
  const text = (await send(base, { path: '/metrics' })).body;
  const m = new RegExp(`^vigil_limit_refusals_total\\{limit="${limit}"\\} (\\d+)$`, 'm').exec(text);
  return m === null ? 0 : Number(m[1]);
}

test('event streams past the per-client limit get 429, past the global one 503, and both are counted', async () => {
  const h = await startApi({ api: { maxStreams: 3, maxStreamsPerClient: 2 } });
  const base = await listen(h);
  const open = [await openSse(`${base}/v1/stream`), await openSse(`${base}/v1/stream`)];
  const third = await send(base, { path: '/v1/stream' });
  assert.equal(third.status, 429);
  assert.equal(third.json().code, 'VIGIL_TOO_MANY_CLIENT_STREAMS');
  assert.equal(await refusals(base, 'streams_per_client'), 1);
  for (const c of open) c.close();
  await h.close();

  const g = await startApi({ api: { maxStreams: 2, maxStreamsPerClient: 5 } });
  const gbase = await listen(g);
  const held = [await openSse(`${gbase}/v1/stream`), await openSse(`${gbase}/v1/stream`)];
  const over = await send(gbase, { path: '/v1/stream' });
  assert.equal(over.status, 503);
  assert.equal(over.json().code, 'VIGIL_TOO_MANY_STREAMS');
  assert.equal(await refusals(gbase, 'streams'), 1);
  // A closed stream frees its place.
  held[0]!.close();
  let reopened = await send(gbase, { path: '/v1/stream' }, true);
  while (reopened.status === 503) reopened = await send(gbase, { path: '/v1/stream' }, true);
  assert.equal(reopened.status, 200);
  held[1]!.close();
  await g.close();
});

test('requests past http.rateLimit a minute get 429 per token, and are counted', async () => {
  const tokens = [
    { token: 'one', role: 'read' as const, name: 'one' },
    { token: 'two', role: 'read' as const, name: 'two' },
  ];
  const h = await startApi({ tokens, api: { rateLimit: 3 } });
  const base = await listen(h);
  const get = (token: string) => send(base, { path: '/v1/incidents', headers: { authorization: `Bearer ${token}` } });
  for (let i = 0; i < 3; i++) assert.equal((await get('one')).status, 200);
  const over = await get('one');
  assert.equal(over.status, 429);
  assert.equal(over.json().code, 'VIGIL_RATE_LIMITED');
  assert.ok(Number(over.headers['retry-after']) > 0);
  // Another token has its own budget.
  assert.equal((await get('two')).status, 200);
  assert.equal(await refusals(base, 'rate'), 1);
  await h.close();
});
