import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iso, startApi } from './api-harness.js';

test('GET /v1/silences?unused=true lists the silences not yet over that match no firing alert', async () => {
  const h = await startApi();
  const post = async (value: string, endsAt = 600_000) =>
    (await h.inject({ method: 'POST', url: '/v1/silences', payload: { matchers: [{ name: 'host', value }], endsAt: iso(endsAt), comment: 'work' } })).json().id as string;
  const a = await post('a');
  const typo = await post('aa');
  const short = await post('zz', 10_000);
  h.event(1000, { host: 'a', status: 'down' });
  const unused = async () => (await h.inject({ url: '/v1/silences?unused=true' })).json().silences.map((s: { id: string }) => s.id);
  assert.deepEqual(await unused(), [short, typo]);
  h.advance(20_000);
  // An expired silence is no longer a candidate; one whose alert resolved becomes one.
  assert.deepEqual(await unused(), [typo]);
  h.event(30_000, { host: 'a', status: 'up' });
  assert.deepEqual(await unused(), [typo, a]);
});

test('a silence may name channels to tell when it ends while its alerts still fire; an unknown channel is a 400', async () => {
  const h = await startApi();
  const ok = await h.inject({ method: 'POST', url: '/v1/silences', payload: { matchers: [{ name: 'host', value: 'a' }], endsAt: iso(60_000), comment: 'work', notify: ['chat'] } });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.deepEqual(ok.json().notify, ['chat']);
  assert.deepEqual(h.journal.at(-1)!.t, 'silence');
  const bad = await h.inject({ method: 'POST', url: '/v1/silences', payload: { matchers: [{ name: 'host', value: 'a' }], endsAt: iso(60_000), comment: 'work', notify: ['nope'] } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error, /unknown channel "nope"/);
  h.event(1000, { host: 'a', status: 'down' });
  h.advance(60_000);
  const incident = (await h.inject({ url: '/v1/incidents/inc-1' })).json();
  const kinds = incident.timeline.map((e: { kind: string }) => e.kind);
  assert.deepEqual(kinds, ['firing', 'silenced', 'silence_expired', 'unsuppressed']);
  assert.deepEqual(incident.timeline[2].detail, { by: 'silence s-1', channels: ['chat'] });
});
