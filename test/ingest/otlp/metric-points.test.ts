import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricsEvents } from '../../../ingest/otlp/metric-points.js';

const T = '1700000000000000000';
const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }, { key: 'service.namespace', value: { stringValue: 'eu' } }, { key: 'service.instance.id', value: { stringValue: 'pod-1' } }] };
const attrs = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));

function events(metrics: unknown[]) {
  return metricsEvents({ resourceMetrics: [{ resource, scopeMetrics: [{ metrics }] }] }, 7);
}

test('gauges and sums become samples; a monotonic cumulative sum gets _total; job and instance come from the resource', () => {
  const out = events([
    { name: 'queue.depth', gauge: { dataPoints: [{ timeUnixNano: T, asDouble: 0, attributes: attrs({ 'queue.name': 'q' }) }] } },
    { name: 'http.requests', sum: { isMonotonic: true, aggregationTemporality: 2, dataPoints: [{ timeUnixNano: T, asInt: '12' }] } },
    { name: 'jobs_total', sum: { isMonotonic: true, aggregationTemporality: 2, dataPoints: [{ asInt: 3 }] } },
    { name: 'delta.requests', sum: { isMonotonic: true, aggregationTemporality: 1, dataPoints: [{ timeUnixNano: T, asInt: 2 }] } },
    { name: 'gone', gauge: { dataPoints: [{ timeUnixNano: T, flags: 1 }] } },
  ]);
  assert.deepEqual(out.refused, []);
  assert.equal(out.points, 5);
  const base = { job: 'eu/shop', instance: 'pod-1' };
  // job and instance are also top-level fields, as every metrics source gives them.
  assert.deepEqual(out.events, [
    { stream: 'metrics', time: 1_700_000_000_000, name: 'queue_depth', value: 0, ...base, labels: { ...base, queue_name: 'q' } },
    { stream: 'metrics', time: 1_700_000_000_000, name: 'http_requests_total', value: 12, ...base, labels: base },
    { stream: 'metrics', time: 7, name: 'jobs_total', value: 3, ...base, labels: base },
    { stream: 'metrics', time: 1_700_000_000_000, name: 'delta_requests', value: 2, ...base, labels: base },
  ]);
});

test('a histogram becomes cumulative _bucket{le} samples with +Inf, _sum and _count; a summary {quantile}, _sum, _count', () => {
  const out = events([
    { name: 'http.duration', histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: T, count: '4', sum: 21.5, explicitBounds: [0.1, 1], bucketCounts: ['1', '2', '1'] }] } },
    { name: 'rpc', summary: { dataPoints: [{ timeUnixNano: T, count: '3', sum: 9, quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 0.99, value: 5 }] }] } },
  ]);
  assert.deepEqual(out.refused, []);
  assert.deepEqual(
    out.events.map((e) => [e.name, e.labels?.le ?? e.labels?.quantile ?? '', e.value]),
    [
      ['http_duration_bucket', '0.1', 1],
      ['http_duration_bucket', '1', 3],
      ['http_duration_bucket', '+Inf', 4],
      ['http_duration_sum', '', 21.5],
      ['http_duration_count', '', 4],
      ['rpc', '0.5', 2],
      ['rpc', '0.99', 5],
      ['rpc_sum', '', 9],
      ['rpc_count', '', 3],
    ],
  );
});

test('bad points are refused alone with why: exponential histograms, bucket count mismatch, no value, no name', () => {
  const out = events([
    { name: 'exp', exponentialHistogram: { dataPoints: [{ count: '1' }, { count: '2' }] } },
    { name: 'h', histogram: { dataPoints: [{ count: '1', explicitBounds: [1, 2], bucketCounts: ['1'] }] } },
    { name: 'g', gauge: { dataPoints: [{ timeUnixNano: T }, { asDouble: 'NaN' }, { asDouble: 1 }] } },
    { gauge: { dataPoints: [{ asDouble: 1 }] } },
    { name: 'nodata' },
  ]);
  assert.equal(out.points, 8);
  assert.deepEqual(out.events.map((e) => [e.name, e.value]), [['g', 1]]);
  assert.equal(out.refused.length, 7);
  assert.match(out.refused[0]!, /exponential histograms are not taken/);
  assert.match(out.refused[2]!, /1 bucket counts for 2 bounds/);
  assert.match(out.refused[3]!, /neither asDouble nor asInt/);
  assert.match(out.refused[4]!, /NaN, which an event cannot carry/);
  assert.match(out.refused[5]!, /without a name/);
  assert.match(out.refused[6]!, /no gauge, sum, histogram or summary/);
});
