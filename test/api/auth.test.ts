import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiToken } from '../../api/context.js';
import { startApi } from './api-harness.js';

const TOKENS: ApiToken[] = [
  { token: 'r-secret', role: 'read', name: 'dashboard' },
  { token: 'w-secret', role: 'write', name: 'alice' },
  { token: 'a-secret', role: 'admin', name: 'root' },
];

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** With tokens, plus a route the service adds itself before the API (the event intake). */
async function guarded() {
  const h = await startApi({ tokens: TOKENS, routes: [(api) => void api.post('/v1/events', async () => ({ accepted: 0, rejected: [] }))] });
  h.event(0, { host: 'a', status: 'down' });
  return h;
}

test('without a token, or with an unknown one, a request is 401 and says how to authenticate', async () => {
  const h = await guarded();
  for (const headers of [{}, bearer('nope'), { authorization: 'Basic dXNlcjpwYXNz' }, { authorization: 'Bearer' }]) {
    const res = await h.inject({ url: '/v1/incidents', headers });
    assert.equal(res.statusCode, 401, JSON.stringify(headers));
    assert.match(String(res.headers['www-authenticate']), /^Bearer realm="vigil"/);
    assert.equal(typeof res.json().error, 'string');
  }
  assert.equal((await h.inject({ method: 'POST', url: '/v1/events', payload: {} })).statusCode, 401);
  await h.close();
});

test('roles: read may GET, write may also POST and DELETE, only admin may reload the rules', async () => {
  const h = await guarded();
  const ack = { method: 'POST' as const, url: '/v1/incidents/inc-1/comment', payload: { text: 'hi' } };
  const reload = { method: 'POST' as const, url: '/v1/rules/reload' };

  assert.equal((await h.inject({ url: '/v1/incidents', headers: bearer('r-secret') })).statusCode, 200);
  assert.equal((await h.inject({ url: '/v1/rules', headers: bearer('r-secret') })).statusCode, 200);
  const weak = await h.inject({ ...ack, headers: bearer('r-secret') });
  assert.equal(weak.statusCode, 403);
  assert.equal(weak.json().error, 'this needs the write role; the token has read');
  assert.equal((await h.inject({ method: 'POST', url: '/v1/events', payload: {}, headers: bearer('r-secret') })).statusCode, 403);
  assert.equal((await h.inject({ method: 'DELETE', url: '/v1/silences/none', headers: bearer('r-secret') })).statusCode, 403);

  assert.equal((await h.inject({ ...ack, headers: bearer('w-secret') })).statusCode, 200);
  assert.equal((await h.inject({ method: 'POST', url: '/v1/events', payload: {}, headers: bearer('w-secret') })).statusCode, 200);
  assert.equal((await h.inject({ method: 'DELETE', url: '/v1/silences/none', headers: bearer('w-secret') })).statusCode, 404);
  assert.equal((await h.inject({ ...reload, headers: bearer('w-secret') })).statusCode, 403);

  assert.equal((await h.inject({ ...reload, headers: bearer('a-secret') })).statusCode, 200);
  assert.equal((await h.inject({ ...ack, headers: bearer('a-secret') })).statusCode, 200);
  // The scheme name is case-insensitive (RFC 7235).
  assert.equal((await h.inject({ url: '/v1/incidents', headers: { authorization: 'bearer r-secret' } })).statusCode, 200);
  await h.close();
});

test('an action names the token\'s holder unless the request names someone', async () => {
  const h = await guarded();
  await h.inject({ method: 'POST', url: '/v1/incidents/inc-1/ack', headers: bearer('w-secret'), payload: { reason: 'on it' } });
  assert.deepEqual(h.journal.at(-1), { t: 'ack', id: 'inc-1', by: 'alice', text: 'on it', at: h.clock.now() });
  await h.inject({ method: 'POST', url: '/v1/incidents/inc-1/comment', headers: bearer('w-secret'), payload: { by: 'alice@night-shift', text: 'handover' } });
  assert.equal((h.journal.at(-1) as { by: string }).by, 'alice@night-shift');
  await h.close();
});

test('health, readiness and metrics need no token', async () => {
  const h = await guarded();
  for (const url of ['/healthz', '/readyz', '/metrics']) assert.equal((await h.inject({ url })).statusCode, 200, url);
  await h.close();
});

test('with no tokens configured everything is allowed, as "anonymous"', async () => {
  const h = await startApi();
  h.event(0, { host: 'a', status: 'down' });
  assert.equal((await h.inject({ url: '/v1/incidents' })).statusCode, 200);
  assert.equal((await h.inject({ url: '/v1/incidents', headers: bearer('anything') })).statusCode, 200);
  assert.equal((await h.inject({ method: 'POST', url: '/v1/rules/reload' })).statusCode, 200);
  assert.equal((await h.inject({ method: 'POST', url: '/v1/incidents/inc-1/resolve' })).statusCode, 200);
  assert.equal((h.journal.at(-1) as { by: string }).by, 'anonymous');
  await h.close();
});

test('basic auth beside bearer tokens: a user with a role, a wrong password is 401, a weak role 403', async () => {
  const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
  const h = await startApi({ tokens: TOKENS, users: [{ name: 'grafana', password: 'g:pass', role: 'write' }, { name: 'viewer', password: 'v', role: 'read' }] });
  assert.equal((await h.inject({ url: '/v1/incidents', headers: basic('grafana', 'g:pass') })).statusCode, 200);
  assert.equal((await h.inject({ url: '/v1/incidents', headers: bearer('r-secret') })).statusCode, 200);
  const post = { method: 'POST' as const, url: '/api/v2/alerts', payload: [{ labels: { alertname: 'X' } }] };
  assert.equal((await h.inject({ ...post, headers: basic('grafana', 'g:pass') })).statusCode, 200);
  assert.equal((await h.inject({ ...post, headers: basic('viewer', 'v') })).statusCode, 403);
  for (const headers of [basic('grafana', 'wrong'), basic('nobody', 'g:pass'), {}]) {
    const res = await h.inject({ url: '/v1/incidents', headers });
    assert.equal(res.statusCode, 401);
    assert.match(String(res.headers['www-authenticate']), /Basic realm="vigil"/);
  }
  // Silence creators default to the caller.
  const made = await h.inject({
    method: 'POST',
    url: '/v1/silences',
    headers: basic('grafana', 'g:pass'),
    payload: { matchers: [{ name: 'alertname', value: 'X' }], endsAt: new Date(Date.parse('2026-01-01T01:00:00Z')).toISOString(), comment: 'c' },
  });
  assert.equal(made.json().createdBy, 'grafana');
  await h.close();
});
