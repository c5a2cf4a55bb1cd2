import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startApi, type Harness } from './api-harness.js';
import { intakeRoutes } from './intake-routes.js';
import { listen, send } from './http-client.js';

const EVIL = 'http://evil.example';

/** An API with one firing incident (inc-1) and the real event intake, listening on loopback. */
async function started(options: Parameters<typeof startApi>[0] = {}): Promise<{ h: Harness; base: string }> {
  const h = await startApi({
    ...options,
    routes: await intakeRoutes((events) => {
      h.ctx.submit({ t: 'events', events });
      return [];
    }),
  });
  h.event(0, { host: 'a', status: 'down' });
  return { h, base: await listen(h) };
}

test('a cross-site form post to resolve is refused and changes nothing, with or without tokens', async () => {
  for (const tokens of [[], [{ token: 'w-secret', role: 'write' as const, name: 'alice' }]]) {
    const { h, base } = await started({ tokens });
    const auth: Record<string, string> = tokens.length > 0 ? { authorization: 'Bearer w-secret' } : {};
    const journaled = h.journal.length;
    const attempts = [
      // An HTML form: a simple request, no preflight.
      { headers: { ...auth, origin: EVIL, 'content-type': 'application/x-www-form-urlencoded' }, body: 'reason=x' },
      { headers: { ...auth, origin: EVIL, 'content-type': 'text/plain' }, body: '{"reason":"x"}' },
      // fetch(url, {method: 'POST', mode: 'no-cors'}): no body, no content type, but an Origin.
      { headers: { ...auth, origin: EVIL } },
      { headers: { ...auth, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' } },
      // A sibling site, e.g. another service under the same domain.
      { headers: { ...auth, 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'cors', 'content-type': 'application/json' }, body: '{}' },
    ];
    for (const attempt of attempts) {
      const res = await send(base, { method: 'POST', path: '/v1/incidents/inc-1/resolve', ...attempt });
      assert.equal(res.status, 403, JSON.stringify(attempt));
      assert.equal(res.json().code, 'VIGIL_CROSS_SITE');
      assert.equal(typeof res.json().error, 'string');
    }
    assert.equal(h.journal.length, journaled);
    assert.equal(h.core.book.get('inc-1')!.state, 'firing');
    assert.deepEqual(h.audits, []);
    await h.close();
  }
});

test('a same-origin page must send JSON; a body of another type is 415', async () => {
  const { h, base } = await started();
  const host = new URL(base).host;
  const bodyless = await send(base, { method: 'POST', path: '/v1/incidents/inc-1/ack', headers: { origin: base, 'sec-fetch-site': 'same-origin' } });
  assert.equal(bodyless.status, 415);
  assert.equal(bodyless.json().code, 'VIGIL_UNSUPPORTED_MEDIA_TYPE');
  const form = await send(base, { method: 'POST', path: '/v1/incidents/inc-1/ack', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' });
  assert.equal(form.status, 415);
  assert.equal(h.core.book.get('inc-1')!.state, 'firing');
  const ok = await send(base, {
    method: 'POST',
    path: '/v1/incidents/inc-1/ack',
    headers: { host, origin: base, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json; charset=utf-8' },
    body: '{"reason":"from the page"}',
  });
  assert.equal(ok.status, 200);
  assert.equal(h.core.book.get('inc-1')!.state, 'acknowledged');
  await h.close();
});

test('curl-like clients work: no body and no headers, or JSON', async () => {
  const { h, base } = await started();
  const comment = await send(base, { method: 'POST', path: '/v1/incidents/inc-1/comment', headers: { 'content-type': 'application/json' }, body: '{"text":"hi"}' });
  assert.equal(comment.status, 200);
  const resolve = await send(base, { method: 'POST', path: '/v1/incidents/inc-1/resolve' });
  assert.equal(resolve.status, 200);
  assert.equal(h.core.book.get('inc-1')!.state, 'resolved');
  const events = await send(base, { method: 'POST', path: '/v1/events', headers: { 'content-type': 'application/x-ndjson' }, body: '{"stream":"health","host":"b","status":"down"}\n' });
  assert.deepEqual(events.json(), { accepted: 1, rejected: [] });
  // A link to an incident opened from another site (a chat message) is a navigation: it opens.
  const link = await send(base, { path: '/v1/incidents/inc-1', headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' } });
  assert.equal(link.status, 200);
  // A script on another site reading the API is refused, even where CORS would hide the answer.
  const read = await send(base, { path: '/v1/incidents', headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors', origin: EVIL } });
  assert.equal(read.status, 403);
  await h.close();
});

test('text/plain to /v1/events is refused, and nothing is applied', async () => {
  const { h, base } = await started();
  const journaled = h.journal.length;
  const res = await send(base, { method: 'POST', path: '/v1/events', headers: { 'content-type': 'text/plain' }, body: '{"stream":"health","host":"z","status":"down"}' });
  assert.equal(res.status, 415);
  assert.equal(res.json().code, 'VIGIL_UNSUPPORTED_MEDIA_TYPE');
  assert.match(res.json().error, /application\/json or application\/x-ndjson/);
  assert.equal(h.journal.length, journaled);
  await h.close();
});

test('a Host the service does not answer for is refused (DNS rebinding); allowed hosts and origins are configurable', async () => {
  const { h, base } = await started();
  const port = new URL(base).port;
  for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.evil.example:${port}`]) {
    const res = await send(base, { path: '/v1/incidents', headers: { host } });
    assert.equal(res.status, 403, host);
    assert.equal(res.json().code, 'VIGIL_HOST_NOT_ALLOWED');
  }
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
    assert.equal((await send(base, { path: '/v1/incidents', headers: { host } })).status, 200, host);
  }
  await h.close();

  const configured = await started({ api: { allowedHosts: ['vigil.example.com', `10.0.0.5:${8080}`], allowedOrigins: ['https://ops.example.com'] } });
  const at = (host: string, headers: Record<string, string> = {}) => send(configured.base, { path: '/v1/incidents', headers: { host, ...headers } });
  assert.equal((await at('vigil.example.com')).status, 200);
  assert.equal((await at('10.0.0.5:8080')).status, 200);
  assert.equal((await at('10.0.0.5:9090')).status, 403);
  assert.equal((await at('localhost')).status, 403);
  const post = (origin: string) =>
    send(configured.base, {
      method: 'POST',
      path: '/v1/incidents/inc-1/comment',
      headers: { host: 'vigil.example.com', origin, 'content-type': 'application/json' },
      body: '{"text":"x"}',
    });
  assert.equal((await post('https://ops.example.com')).status, 200);
  assert.equal((await post('https://vigil.example.com')).status, 200);
  assert.equal((await post('https://other.example.com')).status, 403);
  assert.equal((await post('null')).status, 403);
  await configured.h.close();
});
