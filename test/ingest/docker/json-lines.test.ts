import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJsonLineSplitter } from '../../../ingest/docker/json-lines.js';

test('objects split across chunks; a bad line is reported alone and the next one is read', () => {
  const s = createJsonLineSplitter();
  const text = Buffer.from('{"a":1}\n{"b":"✓"}\nnot json\n\n{"c":3}\n');
  const got = [...s.push(text.subarray(0, 12)), ...s.push(text.subarray(12, 13)), ...s.push(text.subarray(13))];
  assert.deepEqual(got.map((l) => (l.ok ? l.value : 'bad')), [{ a: 1 }, { b: '✓' }, 'bad', { c: 3 }]);
});

test('a line over the limit is dropped once, with an error, and the stream goes on after it', () => {
  const s = createJsonLineSplitter(100);
  const first = s.push(Buffer.from(`{"x":"${'y'.repeat(200)}`));
  assert.equal(first.length, 1);
  assert.ok(!first[0]!.ok && /longer than 100 bytes/.test(first[0]!.error));
  assert.deepEqual(s.push(Buffer.from(`${'y'.repeat(300)}"}\n{"ok":true}\n`)), [{ ok: true, value: { ok: true } }]);
});
