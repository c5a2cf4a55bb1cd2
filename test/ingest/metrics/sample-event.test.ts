import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvent } from '../../../ingest/metrics/sample-event.js';

test('a sample becomes a metrics event; empty label values are dropped', () => {
  const out = sampleEvent({ name: 'node_load1', value: 0.5, labels: { instance: 'a:9100', job: 'node', env: '' }, timeMs: 1000 });
  assert.deepEqual(out, { ok: true, event: { stream: 'metrics', time: 1000, name: 'node_load1', value: 0.5, labels: { instance: 'a:9100', job: 'node' } } });
  const other = sampleEvent({ name: 'x', value: 1, labels: {}, timeMs: 5, stream: 'custom' });
  assert.equal(other.ok && other.event.stream, 'custom');
});

test('names, values, label names and limits are checked as posted alerts and events are', () => {
  const refused = (s: Parameters<typeof sampleEvent>[0]): string => {
    const out = sampleEvent(s);
    assert.equal(out.ok, false);
    return out.ok ? '' : out.error;
  };
  assert.match(refused({ name: '1bad', value: 1, labels: {}, timeMs: 0 }), /invalid metric name/);
  assert.match(refused({ name: '', value: 1, labels: {}, timeMs: 0 }), /invalid metric name/);
  assert.match(refused({ name: 'x', value: NaN, labels: {}, timeMs: 0 }), /not a finite number/);
  assert.match(refused({ name: 'x', value: 1, labels: {}, timeMs: 1.5 }), /epoch milliseconds/);
  assert.match(refused({ name: 'x', value: 1, labels: { 'a.b': 'c' }, timeMs: 0 }), /invalid label name "a\.b"/);
  assert.match(refused({ name: 'x', value: 1, labels: JSON.parse('{"constructor":"c"}'), timeMs: 0 }), /invalid label name "constructor"/);
  const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, 'v']));
  assert.match(refused({ name: 'x', value: 1, labels: many, timeMs: 0 }), /65 labels, more than 64/);
  assert.match(refused({ name: 'x', value: 1, labels: { a: 'v'.repeat(70_000) }, timeMs: 0 }), /longer than/);
});
