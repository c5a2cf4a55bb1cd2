import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Event } from '../../engine/model/event.js';
import { startApi, type Harness } from './api-harness.js';
import { intakeRoutes } from './intake-routes.js';
import { listen, send } from './http-client.js';

/** The API with the real event intake; every accepted event is kept in `accepted`. */
async function started(options: { maxBatch?: number; busy?: boolean } = {}) {
  const accepted: Event[] = [];
  const h: Harness = await startApi({
    routes: await intakeRoutes(
      (events) => {
        if (options.busy === true) return 'busy';
        accepted.push(...events);
        return [];
      },
      options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch },
    ),
  });
  const base = await listen(h);
  const post = (body: string, type = 'application/json') => send(base, { method: 'POST', path: '/v1/events', headers: { 'content-type': type }, body });
  return { h, accepted, post, base };
}

const good = (host: string) => `{"stream":"health","host":"${host}","status":"down"}`;

test('__proto__, constructor and prototype keys refuse only their event, in a JSON array', async () => {
  const { h, accepted, post } = await started();
  const body = `[${[
    good('a'),
    '{"stream":"health","__proto__":{"polluted":true}}',
    good('b'),
    '{"stream":"health","constructor":{"prototype":{"x":1}}}',
    '{"stream":"health","labels":{"prototype":"x"}}',
    // The same key written with escapes is the same key.
    '{"stream":"health","\\u005f_proto__":"x"}',
    good('c'),
  ].join(',')}]`;
  const res = await post(body);
  assert.equal(res.status, 200);
  const answer = res.json() as { accepted: number; rejected: { index: number; error: string }[] };
  assert.equal(answer.accepted, 3);
  assert.deepEqual(answer.rejected.map((r) => r.index), [1, 3, 4, 5]);
  assert.match(answer.rejected[0]!.error, /__proto__/);
  assert.match(answer.rejected[1]!.error, /constructor/);
  assert.match(answer.rejected[2]!.error, /prototype/);
  assert.deepEqual(accepted.map((e) => e.host), ['a', 'b', 'c']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  await h.close();
});

test('a single JSON object with __proto__ is one rejected event, not a failed request', async () => {
  const { h, accepted, post } = await started();
  const res = await post('{"stream":"health","__proto__":{"polluted":true},"host":"a"}');
  assert.equal(res.status, 200);
  assert.equal(res.json().accepted, 0);
  assert.equal(res.json().rejected[0].index, 0);
  assert.match(res.json().rejected[0].error, /__proto__/);
  assert.equal(accepted.length, 0);
  await h.close();
});

test('in NDJSON a forbidden key refuses its line only', async () => {
  const { h, accepted, post } = await started();
  const res = await post([good('a'), '{"stream":"health","__proto__":{"x":1}}', good('b'), '{"stream":"health","labels":{"__proto__":"x"}}'].join('\n'), 'application/x-ndjson');
  assert.equal(res.status, 200);
  assert.deepEqual(res.json().rejected.map((r: { index: number }) => r.index), [1, 3]);
  assert.deepEqual(accepted.map((e) => e.host), ['a', 'b']);
  await h.close();
});

test('elsewhere a body with __proto__ is a 400 naming where the key is', async () => {
  const { h, base } = await started();
  const res = await send(base, {
    method: 'POST',
    path: '/api/v2/alerts',
    headers: { 'content-type': 'application/json' },
    body: '[{"labels":{"alertname":"x","__proto__":"y"}}]',
  });
  assert.equal(res.status, 400);
  assert.deepEqual(res.json(), { error: 'body.0.labels: the key "__proto__" is not allowed', code: 'VIGIL_FORBIDDEN_KEY' });
  assert.equal(h.journal.length, 0);
  await h.close();
});

test('parse errors, too many events and a full queue answer the API error shape, not fastify\'s', async () => {
  const { h, post } = await started({ maxBatch: 2 });
  const broken = await post('{"stream": "health", ');
  assert.equal(broken.status, 400);
  assert.deepEqual(Object.keys(broken.json()).sort(), ['code', 'error']);
  assert.equal(broken.json().code, 'VIGIL_INVALID_JSON');
  assert.match(broken.json().error, /^body is not valid JSON/);
  const many = await post(`[${[good('a'), good('b'), good('c')].join(',')}]`);
  assert.equal(many.status, 413);
  assert.deepEqual(many.json(), { error: 'at most 2 events per request', code: 'VIGIL_TOO_LARGE' });
  await h.close();

  const busy = await started({ busy: true });
  const res = await busy.post(good('a'));
  assert.equal(res.status, 429);
  assert.equal(res.headers['retry-after'], '1');
  assert.deepEqual(res.json(), { error: 'the engine is busy; retry shortly', code: 'VIGIL_BUSY' });
  await busy.h.close();
});
