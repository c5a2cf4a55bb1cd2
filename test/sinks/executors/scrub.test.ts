import assert from 'node:assert/strict';
import { test } from 'node:test';
import { excerpt, OutputCapture, scrub } from '../../../sinks/executors/scrub.js';

test('scrub: every secret value, longest first, also URL-encoded', () => {
  const out = scrub('a=s3cr3t b=s3cr3t-long c=p%40ss d=p@ss', ['s3cr3t', 's3cr3t-long', 'p@ss', '']);
  assert.equal(out, 'a=*** b=*** c=*** d=***');
});

test('scrub: common credential shapes', () => {
  assert.equal(scrub('login password=hunter2 ok', []), 'login password=*** ok');
  assert.equal(scrub('DB_PASSWORD: hunter2', []), 'DB_PASSWORD: ***');
  assert.equal(scrub('{"client_secret": "abc", "n": 1}', []), '{"client_secret": "***", "n": 1}');
  assert.equal(scrub('GET /x?access_token=abc&page=2', []), 'GET /x?access_token=***&page=2');
  assert.equal(scrub('Authorization: Basic dXNlcjpwYXNz\nnext', []), 'Authorization: ***\nnext');
  assert.equal(scrub('curl -H "x: Bearer eyJhbGciOi.J9.x-y_z=="', []), 'curl -H "x: Bearer ***"');
  assert.equal(scrub('fetching https://bob:pw@example.com/a and ftp://u@h/', []), 'fetching https://***@example.com/a and ftp://***@h/');
  // Plain text that merely mentions the words stays.
  const plain = 'Permission denied (publickey,password).\nroot@web1 tokens left: 3';
  assert.equal(scrub(plain, []), plain);
});

test('excerpt: short text unchanged, long text head … tail within max', () => {
  assert.equal(excerpt('abc', 3), 'abc');
  const long = 'H'.repeat(100) + 'M'.repeat(1000) + 'T'.repeat(100);
  const cut = excerpt(long, 201);
  assert.equal(cut.length, 201);
  assert.equal(cut, `${'H'.repeat(100)}…${'T'.repeat(100)}`);
  // A surrogate pair is never split.
  const emoji = '😀'.repeat(50);
  const cutEmoji = excerpt(emoji, 10);
  assert.ok(cutEmoji.length <= 10);
  assert.doesNotMatch(cutEmoji, /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
});

test('OutputCapture: memory bounded, head and tail kept, secrets at the gap never leak', () => {
  const capture = new OutputCapture(1000);
  const secret = 'TOPSECRET-9f8e7d';
  capture.push('first line\n');
  // Secrets straddling every possible cut position.
  for (let i = 0; i < 5000; i++) capture.push(`${i} ${secret} `);
  capture.push('\nlast line');
  const out = capture.result([secret], 300);
  assert.ok(out.length <= 300);
  assert.ok(out.startsWith('first line\n'));
  assert.ok(out.endsWith('last line'));
  for (let n = 6; n <= secret.length; n++) {
    assert.ok(!out.includes(secret.slice(0, n)) && !out.includes(secret.slice(-n)), `part of the secret leaked: ${out}`);
  }
});
