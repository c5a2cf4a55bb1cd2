import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiToken } from '../../api/context.js';
import { CHANNELS, iso, startApi } from './api-harness.js';

const TOKENS: ApiToken[] = [
  { token: 'r', role: 'read', name: 'dashboard' },
  { token: 'w', role: 'write', name: 'alice' },
  { token: 'a', role: 'admin', name: 'root' },
];

const RULES =
  CHANNELS +
  'rule down { when latest health by host is status == "down" severity critical notify chat }\n' +
  'playbook fix { approve step exec ["true"] }\n' +
  'rule slowfix { when latest health by host is status == "slow" run fix }\n';

test('every kind of write is audited with who, from where, what and the answer, and GET /v1/audit is admin only', async () => {
  const h = await startApi({ rules: RULES, tokens: TOKENS });
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  h.event(0, { host: 'a', status: 'down' });
  h.event(1000, { host: 'b', status: 'slow' });
  const post = (url: string, token: string, payload: object = {}) => h.inject({ method: 'POST', url, headers: as(token), payload });
  assert.equal((await post('/v1/incidents/inc-1/ack', 'w', { reason: 'looking' })).statusCode, 200);
  assert.equal((await post('/v1/incidents/inc-1/comment', 'w', { text: 'disk' })).statusCode, 200);
  assert.equal((await post('/v1/incidents/inc-1/resolve', 'w')).statusCode, 200);
  assert.equal((await post('/v1/incidents/inc-1/resolve', 'w')).statusCode, 409);
  const silence = await post('/v1/silences', 'w', { matchers: [{ name: 'host', value: 'a' }], endsAt: iso(3_600_000), comment: 'maintenance' });
  assert.equal(silence.statusCode, 200);
  assert.equal((await h.inject({ method: 'DELETE', url: `/v1/silences/${silence.json().id}`, headers: as('w') })).statusCode, 200);
  assert.equal((await post('/v1/rules/reload', 'a')).statusCode, 200);
  const run = h.core.runner.list(10)[0]!;
  assert.equal((await post(`/v1/playbooks/runs/${run.id}/approve`, 'a')).statusCode, 200);
  assert.equal((await post('/v1/playbooks/fix/run', 'a', { labels: { host: 'c' } })).statusCode, 200);
  assert.equal((await post('/v1/playbooks/pause', 'a', { paused: true })).statusCode, 200);
  // Refused by authorization: not an action, not audited.
  assert.equal((await post('/v1/playbooks/pause', 'w', { paused: false })).statusCode, 403);

  assert.equal((await h.inject({ url: '/v1/audit', headers: as('w') })).statusCode, 403);
  const res = await h.inject({ url: '/v1/audit', headers: as('a') });
  assert.equal(res.statusCode, 200);
  const entries = res.json().entries as { id: number; time: string; who: string; role: string; from: string; action: string; route: string; target: string | null; status: number; summary: string }[];
  assert.deepEqual(
    entries.map((e) => [e.action, e.who, e.target, e.status]),
    [
      ['ack', 'alice', 'inc-1', 200],
      ['comment', 'alice', 'inc-1', 200],
      ['resolve', 'alice', 'inc-1', 200],
      ['resolve', 'alice', 'inc-1', 409],
      ['silence', 'alice', null, 200],
      ['unsilence', 'alice', silence.json().id, 200],
      ['reload', 'root', null, 200],
      ['approve', 'root', run.id, 200],
      ['run', 'root', 'fix', 200],
      ['pause', 'root', null, 200],
    ],
  );
  assert.equal(entries[0]!.route, 'POST /v1/incidents/:id/ack');
  assert.equal(entries[0]!.from, '127.0.0.1');
  assert.equal(entries[0]!.role, 'write');
  assert.equal(entries[0]!.time, iso(1000));
  assert.match(entries[0]!.summary, /looking/);
  assert.match(entries[3]!.summary, /VIGIL_ALREADY_RESOLVED/);
  assert.deepEqual(entries.map((e) => e.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  // Journaled like every input, so replay and snapshots keep them.
  assert.equal(h.audits.length, 10);
  const page = await h.inject({ url: '/v1/audit?limit=4&after=2', headers: as('a') });
  assert.deepEqual(page.json().entries.map((e: { id: number }) => e.id), [3, 4, 5, 6]);
  assert.equal(page.json().next, 6);
  await h.close();
});

test('the audit log is part of the core snapshot', async () => {
  const h = await startApi();
  h.event(0, { host: 'a', status: 'down' });
  await h.inject({ method: 'POST', url: '/v1/incidents/inc-1/ack' });
  const state = h.core.snapshot();
  const other = await startApi();
  other.core.restore(structuredClone(state), other.clock.now());
  const res = await other.inject({ url: '/v1/audit' });
  assert.deepEqual(res.json().entries.map((e: { action: string; who: string }) => [e.action, e.who]), [['ack', 'anonymous']]);
  await h.close();
  await other.close();
});
