import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actionLinkRoutes } from '../../api/action-links.js';
import type { ApiContext } from '../../api/context.js';
import { actionLinkSigner } from '../../engine/model/action-link.js';
import { startApi, T0, type Harness } from './api-harness.js';

const signer = actionLinkSigner({ secret: Buffer.from('a secret for link tests, 32 byte') });

/** An API with the link route and a write token configured (the link needs none). */
async function linkApi(): Promise<Harness> {
  const holder: { h?: Harness } = {};
  // The route reads the context at request time; the harness builds it while registering.
  const ctx = {
    get queries() {
      return holder.h!.ctx.queries;
    },
    submit: ((input) => holder.h!.ctx.submit(input)) as ApiContext['submit'],
    now: () => holder.h!.ctx.now(),
    newId: () => holder.h!.ctx.newId(),
  };
  holder.h = await startApi({ tokens: [{ name: 'ops', role: 'write', token: 'secret-token-123' }], routes: [actionLinkRoutes({ signer, ctx })] });
  return holder.h;
}

const linkFor = (action: 'ack' | 'silence', incident: string, expiresAt: number, nonce = 'k1') =>
  `/v1/links?t=${signer.sign({ action, incident, expiresAt, silenceMs: 3_600_000, nonce })}`;

test('a link acknowledges without a token, works once, and is journaled with its id', async () => {
  const h = await linkApi();
  h.event(1000, { host: 'a', status: 'down' });
  assert.equal((await h.inject({ method: 'POST', url: '/v1/incidents/inc-1/ack' })).statusCode, 401, 'the API itself still needs a token');
  const url = linkFor('ack', 'inc-1', T0 + 60_000);
  const first = await h.inject({ url });
  assert.equal(first.statusCode, 200, first.body);
  assert.deepEqual(first.json(), { done: 'acknowledged', incident: 'inc-1' });
  assert.equal(h.core.book.get('inc-1')!.state, 'acknowledged');
  const journaled = h.journal.at(-1)!;
  assert.equal(journaled.t, 'ack');
  assert.match((journaled as { text: string }).text, /^one-click link [0-9a-f]{32}$/);
  const again = await h.inject({ url });
  assert.equal(again.statusCode, 409);
  assert.equal(again.json().code, 'VIGIL_LINK_USED');
});

test('an expired link is 410, an altered one 403, a link to an unknown incident 404', async () => {
  const h = await linkApi();
  h.event(1000, { host: 'a', status: 'down' });
  h.advance(120_000);
  const expired = await h.inject({ url: linkFor('ack', 'inc-1', T0 + 60_000) });
  assert.deepEqual([expired.statusCode, expired.json().code], [410, 'VIGIL_LINK_EXPIRED']);
  const good = linkFor('ack', 'inc-1', T0 + 600_000);
  const altered = await h.inject({ url: good.replace('?t=', '?t=A') });
  assert.deepEqual([altered.statusCode, altered.json().code], [403, 'VIGIL_LINK_INVALID']);
  assert.equal((await h.inject({ url: linkFor('ack', 'inc-9', T0 + 600_000) })).statusCode, 404);
  assert.equal(h.core.book.get('inc-1')!.state, 'firing');
});

test('a silence link silences the alert\'s exact labels for its duration, once', async () => {
  const h = await linkApi();
  h.event(1000, { host: 'a', status: 'down' });
  const url = linkFor('silence', 'inc-1', T0 + 600_000);
  const res = await h.inject({ url });
  assert.equal(res.statusCode, 200, res.body);
  const silence = h.core.queries.silence(res.json().silence)!;
  assert.equal(silence.endsAt - silence.startsAt, 3_600_000);
  assert.deepEqual(
    silence.matchers.map((m) => `${m.name}=${m.value}`),
    ['alertname=down', 'host=a', 'rule=down', 'severity=critical'],
  );
  assert.deepEqual(h.core.notifier.silencedBy(h.core.book.get('inc-1')!, h.core.now), [silence.id]);
  assert.equal((await h.inject({ url })).statusCode, 409);
});
