import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iso, startApi, T0 } from './api-harness.js';

test('silences: created pending or active, they hold notifications, expire, and can be deleted', async () => {
  const h = await startApi();
  const later = await h.inject({
    method: 'POST',
    url: '/v1/silences',
    payload: { matchers: [{ name: 'host', value: 'a' }], startsAt: iso(60_000), endsAt: iso(120_000), comment: 'deploy' },
  });
  assert.equal(later.statusCode, 200, later.body);
  assert.deepEqual(later.json(), {
    id: 's-1',
    status: 'pending',
    matchers: [{ name: 'host', value: 'a', isRegex: false, isEqual: true }],
    startsAt: iso(60_000),
    endsAt: iso(120_000),
    createdBy: 'anonymous',
    comment: 'deploy',
    createdAt: iso(0),
    expiredAt: null,
  });
  assert.deepEqual(h.journal.at(-1), {
    t: 'silence',
    at: T0,
    silence: {
      id: 's-1',
      matchers: [{ name: 'host', value: 'a', isRegex: false, isEqual: true }],
      startsAt: T0 + 60_000,
      endsAt: T0 + 120_000,
      createdBy: 'anonymous',
      comment: 'deploy',
      createdAt: T0,
      expiredAt: null,
    },
  });

  const now = await h.inject({
    method: 'POST',
    url: '/v1/silences',
    payload: { matchers: [{ name: 'host', value: 'b|c', isRegex: true }], endsAt: iso(600_000), createdBy: 'bob', comment: 'rack move' },
  });
  assert.equal(now.json().status, 'active');
  assert.equal(now.json().startsAt, iso(0));

  const statuses = async (query = '') =>
    (await h.inject({ url: `/v1/silences${query}` })).json().silences.map((s: { id: string; status: string }) => `${s.id} ${s.status}`);
  assert.deepEqual(await statuses(), ['s-2 active', 's-1 pending']);
  assert.deepEqual(await statuses('?status=pending'), ['s-1 pending']);

  // An alert the active silence matches is held back, and the timeline says why.
  h.event(1000, { host: 'b', status: 'down' });
  const held = (await h.inject({ url: '/v1/incidents/inc-1' })).json();
  assert.deepEqual(
    held.timeline.map((e: { kind: string; detail: { by?: string } }) => [e.kind, e.detail.by ?? null]),
    [
      ['firing', null],
      ['silenced', 'silence s-2'],
    ],
  );
  assert.equal(held.notification.heldBy, 'silence s-2');
  assert.equal(held.notification.step, -1);

  h.advance(60_000);
  assert.deepEqual(await statuses(), ['s-2 active', 's-1 active']);
  h.advance(120_000);
  assert.deepEqual(await statuses(), ['s-2 active', 's-1 expired']);
  assert.deepEqual(await statuses('?status=expired'), ['s-1 expired']);

  h.advance(130_000);
  const deleted = await h.inject({ method: 'DELETE', url: '/v1/silences/s-2' });
  assert.equal(deleted.statusCode, 200);
  assert.equal(deleted.json().status, 'expired');
  assert.equal(deleted.json().expiredAt, iso(130_000));
  assert.deepEqual(h.journal.at(-1), { t: 'unsilence', id: 's-2', at: T0 + 130_000 });
  // The held alert goes out once its silence is gone.
  const released = (await h.inject({ url: '/v1/incidents/inc-1' })).json();
  assert.equal(released.notification.heldBy, null);
  assert.deepEqual(released.notification.channels, ['chat']);

  const journaled = h.journal.length;
  assert.equal((await h.inject({ method: 'DELETE', url: '/v1/silences/s-2' })).statusCode, 409);
  assert.equal((await h.inject({ method: 'DELETE', url: '/v1/silences/s-1' })).statusCode, 409);
  assert.equal((await h.inject({ method: 'DELETE', url: '/v1/silences/s-9' })).statusCode, 404);
  assert.equal(h.journal.length, journaled);
  await h.close();
});

test('a silence that is malformed, backwards, already over or matching everything is a 400', async () => {
  const h = await startApi();
  h.advance(1000);
  const ok = { matchers: [{ name: 'host', value: 'a' }], endsAt: iso(60_000), comment: 'why' };
  const cases: [unknown, RegExp][] = [
    [{ ...ok, matchers: [{ name: 'host', value: '(', isRegex: true }] }, /matcher host: invalid regular expression/],
    [{ ...ok, matchers: [{ name: 'host', value: 'web(?!1)', isRegex: true }] }, /matcher host: invalid regular expression \(RE2 syntax\): invalid or unsupported Perl syntax/],
    [{ ...ok, matchers: [{ name: 'host', value: '(a)\\1', isRegex: true }] }, /matcher host: invalid regular expression \(RE2 syntax\): invalid escape sequence/],
    [{ ...ok, startsAt: iso(70_000) }, /endsAt must be after startsAt/],
    [{ ...ok, startsAt: iso(0), endsAt: iso(500) }, /endsAt is in the past/],
    [{ ...ok, matchers: [{ name: 'host', value: '.*', isRegex: true }] }, /match every alert/],
    [{ ...ok, matchers: [{ name: 'host', value: 'a', isEqual: false }] }, /match every alert/],
    [{ ...ok, matchers: [] }, /body\.matchers must NOT have fewer than 1 items/],
    [{ ...ok, matchers: [{ name: 'host' }] }, /body\.matchers\.0: missing property "value"/],
    [{ ...ok, matchers: [{ name: '', value: 'a' }] }, /body\.matchers\.0\.name must NOT have fewer than 1 characters/],
    [{ ...ok, matchers: [{ name: 'host', value: 'a', isRegex: 'yes' }] }, /body\.matchers\.0\.isRegex must be boolean/],
    [{ ...ok, comment: undefined }, /body: missing property "comment"/],
    [{ ...ok, endsAt: '2026-13-01T00:00:00Z' }, /body\.endsAt must be an ISO-8601 time/],
    [{ ...ok, endsAt: T0 + 60_000 }, /body\.endsAt must be string/],
    [{ ...ok, id: 'x' }, /body: unknown property "id"/],
  ];
  for (const [payload, error] of cases) {
    const res = await h.inject({ method: 'POST', url: '/v1/silences', payload: payload as object });
    assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`);
    assert.match(res.json().error, error, JSON.stringify(payload));
  }
  assert.equal((await h.inject({ url: '/v1/silences?status=gone' })).statusCode, 400);
  assert.deepEqual((await h.inject({ url: '/v1/silences' })).json(), { silences: [] });
  assert.equal(h.journal.length, 0);
  await h.close();
});
