import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iso, startApi, T0, type Harness } from './api-harness.js';

/** inc-1: down a, resolved at 20 s; inc-2: down b, firing; inc-3: slow c, firing from 12 s. */
async function scenario(): Promise<Harness> {
  const h = await startApi();
  h.event(0, { host: 'a', status: 'down' });
  h.event(1000, { host: 'b', status: 'down' });
  h.event(2000, { host: 'c', status: 'slow' });
  h.advance(12_000);
  h.event(20_000, { host: 'a', status: 'up' });
  return h;
}

const ids = (body: { incidents: { id: string }[] }): string[] => body.incidents.map((i) => i.id);

test('the incident list is newest first and filters by status, rule, since and until', async () => {
  const h = await scenario();
  const get = async (query: string) => {
    const res = await h.inject({ method: 'GET', url: `/v1/incidents${query}` });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  assert.deepEqual(ids(await get('')), ['inc-3', 'inc-2', 'inc-1']);
  assert.deepEqual(ids(await get('?status=resolved')), ['inc-1']);
  assert.deepEqual(ids(await get('?status=firing')), ['inc-3', 'inc-2']);
  assert.deepEqual(ids(await get('?rule=slow')), ['inc-3']);
  // since: still open or resolved at or after it; until: opened at or before it.
  assert.deepEqual(ids(await get(`?since=${encodeURIComponent(iso(25_000))}`)), ['inc-3', 'inc-2']);
  assert.deepEqual(ids(await get(`?since=${encodeURIComponent(iso(20_000))}`)), ['inc-3', 'inc-2', 'inc-1']);
  assert.deepEqual(ids(await get(`?until=${T0 + 500}`)), ['inc-1']);
  assert.deepEqual(ids(await get(`?since=${T0 + 25_000}&until=${encodeURIComponent(iso(5000))}`)), ['inc-2']);

  const [first] = (await get('?rule=down&status=resolved')).incidents;
  assert.deepEqual(first, {
    id: 'inc-1',
    rule: 'down',
    severity: 'critical',
    state: 'resolved',
    labels: { host: 'a', rule: 'down', severity: 'critical' },
    value: null,
    summary: 'a is down',
    openedAt: iso(0),
    ackedAt: null,
    ackedBy: null,
    resolvedAt: iso(20_000),
    resolvedBy: 'engine',
    alertFiring: false,
  });
  await h.close();
});

test('pages follow the next cursor with before=<id> until next is null', async () => {
  const h = await scenario();
  const page1 = (await h.inject({ url: '/v1/incidents?limit=2' })).json();
  assert.deepEqual(ids(page1), ['inc-3', 'inc-2']);
  assert.equal(page1.next, 'inc-2');
  const page2 = (await h.inject({ url: `/v1/incidents?limit=2&before=${page1.next}` })).json();
  assert.deepEqual(ids(page2), ['inc-1']);
  assert.equal(page2.next, null);
  // A page that is exactly full has no next page when nothing older matches.
  assert.equal((await h.inject({ url: '/v1/incidents?limit=3' })).json().next, null);
  assert.equal((await h.inject({ url: '/v1/incidents?limit=1&status=resolved' })).json().next, null);
  await h.close();
});

test('one incident comes with its whole timeline and its notification state', async () => {
  const h = await scenario();
  const open = (await h.inject({ url: '/v1/incidents/inc-2' })).json();
  assert.equal(open.state, 'firing');
  assert.deepEqual(
    open.timeline.map((e: { kind: string; time: string; incident: string }) => [e.kind, e.time, e.incident]),
    [['firing', iso(1000), 'inc-2']],
  );
  assert.equal(open.notification.step, 0);
  assert.deepEqual(open.notification.channels, ['chat']);
  assert.equal(open.notification.heldBy, null);
  assert.equal(open.notification.firstNotifiedAt, iso(1000));
  assert.deepEqual(open.notification.queued, [{ channel: 'chat', kind: 'firing', step: 0, notBefore: iso(1000), status: 'pending', attempts: 0 }]);

  const closed = (await h.inject({ url: '/v1/incidents/inc-1' })).json();
  assert.deepEqual(
    closed.timeline.map((e: { kind: string }) => e.kind),
    ['firing', 'resolved'],
  );
  assert.equal(closed.timeline[1].detail.by, 'engine');
  assert.equal(closed.notification, null);

  const missing = await h.inject({ url: '/v1/incidents/inc-99' });
  assert.equal(missing.statusCode, 404);
  assert.match(missing.json().error, /inc-99/);
  await h.close();
});

test('ack, comment and resolve are journaled with who and why and appear on the timeline', async () => {
  const h = await scenario();
  h.advance(30_000);
  const ack = await h.inject({ method: 'POST', url: '/v1/incidents/inc-2/ack', payload: { by: 'alice', reason: 'looking' } });
  assert.equal(ack.statusCode, 200, ack.body);
  assert.equal(ack.json().state, 'acknowledged');
  assert.equal(ack.json().ackedBy, 'alice');
  assert.equal(ack.json().ackedAt, iso(30_000));
  assert.deepEqual(h.journal.at(-1), { t: 'ack', id: 'inc-2', by: 'alice', text: 'looking', at: T0 + 30_000 });

  h.advance(31_000);
  const comment = await h.inject({ method: 'POST', url: '/v1/incidents/inc-2/comment', payload: { text: 'disk is full' } });
  assert.equal(comment.statusCode, 200, comment.body);
  // Without tokens, nobody named is "anonymous".
  assert.deepEqual(h.journal.at(-1), { t: 'comment', id: 'inc-2', by: 'anonymous', text: 'disk is full', at: T0 + 31_000 });

  h.advance(32_000);
  const resolve = await h.inject({ method: 'POST', url: '/v1/incidents/inc-2/resolve', payload: { by: 'bob', text: 'cleaned up' } });
  assert.equal(resolve.statusCode, 200, resolve.body);
  assert.equal(resolve.json().state, 'resolved');
  assert.equal(resolve.json().resolvedBy, 'bob');

  const timeline = (await h.inject({ url: `/v1/timeline?since=${encodeURIComponent(iso(30_000))}` })).json();
  assert.deepEqual(
    timeline.entries.map((e: { kind: string; incident: string; detail: unknown; time: string }) => [e.time, e.kind, e.incident, e.detail]),
    [
      [iso(30_000), 'acked', 'inc-2', { by: 'alice', why: 'looking' }],
      [iso(31_000), 'comment', 'inc-2', { by: 'anonymous', text: 'disk is full' }],
      [iso(32_000), 'resolved', 'inc-2', { by: 'bob', why: 'cleaned up' }],
    ],
  );
  const detail = (await h.inject({ url: '/v1/incidents/inc-2' })).json();
  assert.deepEqual(
    detail.timeline.map((e: { kind: string }) => e.kind),
    ['firing', 'acked', 'comment', 'resolved'],
  );
  await h.close();
});

test('acting on a resolved incident is 409, on an unknown one 404, and neither is journaled', async () => {
  const h = await scenario();
  const journaled = h.journal.length;
  for (const action of ['ack', 'resolve']) {
    const res = await h.inject({ method: 'POST', url: `/v1/incidents/inc-1/${action}`, payload: {} });
    assert.equal(res.statusCode, 409, action);
    assert.match(res.json().error, /already resolved/);
    const missing = await h.inject({ method: 'POST', url: `/v1/incidents/inc-42/${action}`, payload: {} });
    assert.equal(missing.statusCode, 404, action);
  }
  assert.equal((await h.inject({ method: 'POST', url: '/v1/incidents/inc-42/comment', payload: { text: 'x' } })).statusCode, 404);
  assert.equal(h.journal.length, journaled);
  // A resolved incident may still be commented on.
  assert.equal((await h.inject({ method: 'POST', url: '/v1/incidents/inc-1/comment', payload: { text: 'post-mortem: #12' } })).statusCode, 200);
  await h.close();
});

test('an ack without a body is an ack without a reason', async () => {
  const h = await scenario();
  const res = await h.inject({ method: 'POST', url: '/v1/incidents/inc-3/ack' });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(h.journal.at(-1), { t: 'ack', id: 'inc-3', by: 'anonymous', text: '', at: h.clock.now() });
  await h.close();
});

test('bad input is a 400 that says what is wrong, never a 500', async () => {
  const h = await scenario();
  const cases: [string, string, unknown, RegExp][] = [
    ['POST', '/v1/incidents/inc-2/comment', {}, /body: missing property "text"/],
    ['POST', '/v1/incidents/inc-2/comment', { text: '' }, /body\.text must NOT have fewer than 1 characters/],
    ['POST', '/v1/incidents/inc-2/ack', { who: 'alice' }, /body: unknown property "who"/],
    ['POST', '/v1/incidents/inc-2/ack', { by: 5 }, /body\.by must be string/],
    ['POST', '/v1/incidents/inc-2/ack', ['alice'], /body must be object/],
    ['GET', '/v1/incidents?limit=0', undefined, /querystring\.limit must be >= 1/],
    ['GET', '/v1/incidents?limit=many', undefined, /querystring\.limit must be integer/],
    ['GET', '/v1/incidents?limit=1&limit=2', undefined, /querystring\.limit must be integer/],
    ['GET', '/v1/incidents?status=open', undefined, /querystring\.status must be one of: firing, acknowledged, resolved/],
    ['GET', '/v1/incidents?since=yesterday', undefined, /querystring\.since must be an ISO-8601 time or epoch milliseconds/],
    ['GET', '/v1/incidents?until=2026-02-30T00:00:00Z', undefined, /querystring\.until must be an ISO-8601 time/],
    ['GET', '/v1/incidents?sort=asc', undefined, /querystring: unknown property "sort"/],
    ['GET', '/v1/incidents?before=inc-99', undefined, /querystring\.before: unknown incident "inc-99"/],
  ];
  for (const [method, url, payload, error] of cases) {
    const res = await h.inject({ method: method as 'GET' | 'POST', url, ...(payload === undefined ? {} : { payload: payload as object }) });
    assert.equal(res.statusCode, 400, `${method} ${url} ${JSON.stringify(payload)}: ${res.body}`);
    assert.match(res.json().error, error, `${method} ${url}`);
  }
  const badJson = await h.inject({ method: 'POST', url: '/v1/incidents/inc-2/ack', headers: { 'content-type': 'application/json' }, payload: '{"by":' });
  assert.equal(badJson.statusCode, 400);
  assert.equal(typeof badJson.json().error, 'string');
  assert.doesNotMatch(badJson.body, /at .*\.js/);
  await h.close();
});
