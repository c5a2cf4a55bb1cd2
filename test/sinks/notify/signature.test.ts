import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signWebhook, verifyWebhook } from '../../../sinks/notify/signature.js';

const SECRET = 'It$-a-secret';
const BODY = '{"a":1}';
// Computed independently: printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'It$-a-secret'
const EXPECTED = 'sha256=43c84ff3265546e03c742258c2296ba46a07e713d0a3cbbb5d136f072c883b4d';

test('signWebhook signs "<timestamp>.<body>" with HMAC-SHA256 as sha256=<hex>', () => {
  assert.equal(signWebhook(SECRET, 1700000000, BODY), EXPECTED);
  assert.equal(signWebhook(SECRET, '1700000000', BODY), EXPECTED);
  assert.equal(signWebhook(SECRET, 1700000000, Buffer.from(BODY)), EXPECTED);
});

test('verifyWebhook accepts the signature of the same secret, timestamp and body', () => {
  assert.equal(verifyWebhook(SECRET, '1700000000', BODY, EXPECTED), true);
  assert.equal(verifyWebhook(SECRET, 1700000000, Buffer.from(BODY), EXPECTED), true);
  assert.equal(verifyWebhook(SECRET, '1700000000', BODY, EXPECTED.toUpperCase().replace('SHA256=', 'sha256=')), true);
});

test('verifyWebhook rejects another secret, timestamp or body', () => {
  assert.equal(verifyWebhook('another', '1700000000', BODY, EXPECTED), false);
  assert.equal(verifyWebhook(SECRET, '1700000001', BODY, EXPECTED), false);
  assert.equal(verifyWebhook(SECRET, '1700000000', '{"a":2}', EXPECTED), false);
  assert.equal(verifyWebhook(SECRET, '1700000000', `${BODY} `, EXPECTED), false);
});

test('verifyWebhook rejects missing and malformed headers without throwing', () => {
  for (const header of [undefined, null, '', 'sha256=', 'sha1=abc', EXPECTED.slice(7), `${EXPECTED}00`, EXPECTED.slice(0, -2), 'sha256=' + 'zz'.repeat(32)]) {
    assert.equal(verifyWebhook(SECRET, '1700000000', BODY, header), false, String(header));
  }
});
