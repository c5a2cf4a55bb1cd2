import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelsFingerprint } from '../../engine/label-fingerprint.js';

test('fingerprints are FNV-1a 64 over sorted names and values, independent of key order', () => {
  // FNV-1a 64 of nothing is its offset basis: Prometheus' fingerprint of an empty label set.
  assert.equal(labelsFingerprint({}), 'cbf29ce484222325');
  assert.equal(labelsFingerprint({ b: '2', a: '1' }), labelsFingerprint({ a: '1', b: '2' }));
  assert.notEqual(labelsFingerprint({ a: '1', b: '2' }), labelsFingerprint({ a: '12' }));
  assert.match(labelsFingerprint({ alertname: 'ü' }), /^[0-9a-f]{16}$/);
});
