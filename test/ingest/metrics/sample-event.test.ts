import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvent, withTargetLabels } from '../../../ingest/metrics/sample-event.js';
import { createEventValidator } from '../../../ingest/event-validator.js';

const base = { name: 'http_requests_total', value: 3, timeMs: 1_700_000_000_123, stream: 'metrics' };

test('a sample is a metrics event: labels sorted, empty and __-prefixed ones dropped, job and instance also top-level', () => {
  const r = sampleEvent({ ...base, labels: { instance: 'web1:9100', code: '200', job: 'node', empty: '', __name__: 'x' } });
  assert.ok(r.ok);
  assert.deepEqual(r.event, {
    stream: 'metrics',
    time: 1_700_000_000_123,
    name: 'http_requests_total',
    value: 3,
    job: 'node',
    instance: 'web1:9100',
    labels: { code: '200', instance: 'web1:9100', job: 'node' },
  });
  assert.deepEqual(Object.keys(r.event.labels!), ['code', 'instance', 'job']);
  // The intake would take it as it is.
  const checked = createEventValidator()(JSON.parse(JSON.stringify(r.event)), 0);
  assert.ok(checked.ok, checked.ok ? '' : checked.error);
});

test('what an event cannot carry is refused with the reason: NaN, infinities, bad label names, too many labels', () => {
  const refused = (labels: Record<string, string>, over: Partial<typeof base> = {}): string => {
    const r = sampleEvent({ ...base, ...over, labels });
    assert.equal(r.ok, false);
    return r.ok ? '' : r.error;
  };
  assert.match(refused({}, { value: NaN }), /NaN/);
  assert.match(refused({}, { value: Infinity }), /Infinity/);
  assert.match(refused({ 'label.with.dots': 'x' }), /invalid label name "label.with.dots"/);
  assert.match(refused({ constructor: 'x' }), /invalid label name "constructor"/);
  assert.match(refused({}, { name: '' }), /empty name/);
  assert.match(refused(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, 'v']))), /more than 64 labels/);
  const zero = sampleEvent({ ...base, value: -0, labels: {} });
  assert.ok(zero.ok && Object.is(zero.event.value, 0), '-0 is read as 0');
});

test('target labels win, as Prometheus does without honor_labels; the sample\'s are kept as exported_*', () => {
  const joined = withTargetLabels({ job: 'inner', instance: 'self', code: '500', env: '' }, { job: 'node', instance: 'h:1', env: 'prod' });
  assert.deepEqual({ ...joined }, { exported_job: 'inner', exported_instance: 'self', code: '500', job: 'node', instance: 'h:1', env: 'prod' });
  const proto = withTargetLabels(JSON.parse('{"__proto__":"x"}'), {});
  assert.equal(Object.getPrototypeOf(proto), null);
});
