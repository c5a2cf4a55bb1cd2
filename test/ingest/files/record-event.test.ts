import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordEvent, type FileFormat } from '../../../ingest/files/record-event.js';
import { createEventValidator } from '../../../ingest/event-validator.js';

const validate = createEventValidator();
const options = (format: FileFormat) => ({ format, stream: 'logs', file: '/var/log/app.log', now: 1_000, validate });

test('record event: a text line becomes {message} with its file; a cut one is flagged truncated', () => {
  assert.deepEqual(recordEvent('GET / 200', false, options('text')), {
    ok: true,
    event: { stream: 'logs', message: 'GET / 200', file: '/var/log/app.log', time: 1_000 },
    json: undefined,
  });
  const cut = recordEvent('x'.repeat(10), true, options('text'));
  assert.ok(cut.ok);
  assert.equal(cut.event.truncated, true);
});

test('record event: a JSON line becomes its fields, the stream set, and its text kept for the journal', () => {
  const r = recordEvent('{"level":"error","stream":"other","time":5}', false, options('json'));
  assert.ok(r.ok);
  assert.deepEqual(r.event, { level: 'error', stream: 'logs', time: 5, file: '/var/log/app.log' });
  assert.deepEqual(JSON.parse(r.json!), r.event);
  assert.deepEqual(Object.keys(JSON.parse(r.json!)), Object.keys(r.event));
});

test('record event: a logfmt line becomes its fields', () => {
  const r = recordEvent('level=warning latency_ms=12 msg="slow call"', false, options('logfmt'));
  assert.ok(r.ok);
  assert.deepEqual(r.event, { level: 'warning', latency_ms: 12, msg: 'slow call', stream: 'logs', file: '/var/log/app.log', time: 1_000 });
});

test('record event: bad lines are refused with the reason, one at a time', () => {
  const notJson = recordEvent('{"a":', false, options('json'));
  assert.ok(!notJson.ok && /^not JSON/.test(notJson.error));
  const array = recordEvent('[1]', false, options('json'));
  assert.ok(!array.ok && array.error === 'not a JSON object');
  const badLogfmt = recordEvent('a="open', false, options('logfmt'));
  assert.ok(!badLogfmt.ok && /^not logfmt/.test(badLogfmt.error));
  const nested = recordEvent('{"a":{"b":1}}', false, options('json'));
  assert.ok(!nested.ok);
  const cutJson = recordEvent('{"a":"xxxx', true, options('json'));
  assert.ok(!cutJson.ok && /cut/.test(cutJson.error));
});
