import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actionLinkSigner } from '../../../engine/model/action-link.js';

const signer = actionLinkSigner({ secret: Buffer.from('0123456789abcdef0123456789abcdef') });
const link = { action: 'ack' as const, incident: 'inc-7', expiresAt: 10_000, silenceMs: 3_600_000, nonce: 'inc-7/firing/0/mail' };

test('a signed link reads back with its fields and a stable id until it expires', () => {
  const token = signer.sign(link);
  assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  const a = signer.check(token, 9_999);
  const b = signer.check(token, 0);
  assert.ok(a.ok && b.ok);
  assert.deepEqual(a.link, link);
  assert.equal(a.id, b.id);
  assert.deepEqual(signer.check(token, 10_000), { ok: false, reason: 'expired' });
});

test('an altered, foreign or malformed token is invalid', () => {
  const token = signer.sign(link);
  const [payload, sig] = token.split('.') as [string, string];
  const other = signer.sign({ ...link, incident: 'inc-8' });
  assert.deepEqual(signer.check(`${other.split('.')[0]}.${sig}`, 0), { ok: false, reason: 'invalid' });
  assert.deepEqual(signer.check(`${payload}.${sig.slice(0, -2)}AA`, 0).ok, false);
  const foreign = actionLinkSigner({ secret: Buffer.from('another secret of 32 bytes......') }).sign(link);
  assert.deepEqual(signer.check(foreign, 0), { ok: false, reason: 'invalid' });
  for (const bad of ['', '.', 'abc', `${payload}.`, 'x'.repeat(5000)]) assert.equal(signer.check(bad, 0).ok, false, bad);
  assert.throws(() => actionLinkSigner({ secret: Buffer.from('short') }));
});
