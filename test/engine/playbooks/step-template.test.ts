import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fillStepTemplate, fillUrlTemplate, RefusedValue, unsafeValue } from '../../../engine/playbooks/step-template.js';

test('values with a ".." segment, a leading "-", nothing, or other characters are unsafe', () => {
  for (const v of ['..', '../x', 'x/..', 'a/../b', '-x', '--help', '', 'a b', 'a;b', '$(x)', 'é']) {
    assert.notEqual(unsafeValue(v), undefined, v);
  }
  for (const v of ['web1', '10.0.0.1:22', 'user@host', 'a/b/c', 'v1..2', '.hidden', 'x-', 'a.b_c']) {
    assert.equal(unsafeValue(v), undefined, v);
  }
});

test('fillStepTemplate refuses an unsafe value, naming the label', () => {
  assert.equal(fillStepTemplate('/srv/{host}/log', { host: 'web1' }), '/srv/web1/log');
  assert.throws(() => fillStepTemplate('/srv/{host}', { host: '../../etc' }), (e: unknown) => e instanceof RefusedValue && /\{host\}.*"\.\." path segment/.test(e.message));
  assert.throws(() => fillStepTemplate('{host}', { host: '-oProxyCommand' }), (e: unknown) => e instanceof RefusedValue && /starts with "-"/.test(e.message));
  assert.throws(() => fillStepTemplate('{host}', {}), RefusedValue);
});

test('fillUrlTemplate encodes values after the authority and keeps the host the template names', () => {
  assert.equal(fillUrlTemplate('http://api:8080/restart/{svc}?who={svc}', { svc: 'a/b@c:d' }), 'http://api:8080/restart/a%2Fb%40c%3Ad?who=a%2Fb%40c%3Ad');
  assert.equal(fillUrlTemplate('https://{host}:8443/x', { host: 'web1.internal' }), 'https://web1.internal:8443/x');
  for (const host of ['evil@web1', 'web1/x', 'a@b:1']) {
    assert.throws(() => fillUrlTemplate('http://{host}/x', { host }), (e: unknown) => e instanceof RefusedValue && /host/.test(e.message), host);
  }
  assert.throws(() => fillUrlTemplate('http://api/restart/{svc}', { svc: '..' }), RefusedValue);
});
