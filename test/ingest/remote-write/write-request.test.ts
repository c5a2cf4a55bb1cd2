import assert from 'node:assert/strict';
import { test } from 'node:test';
import snappy from 'snappyjs';
import { decodeWriteRequest, WriteRequestError } from '../../../ingest/remote-write/write-request.js';
import { encodeWriteRequest, type SeriesToWrite } from '../../support/remote-write.js';

const MAX = 1 << 20;

const series: SeriesToWrite[] = [
  { labels: { __name__: 'node_load1', instance: 'web1:9100', job: 'node' }, samples: [{ value: 2.5, timestampMs: 1_700_000_000_123 }] },
  {
    labels: { __name__: 'http_requests_total', code: '500', job: 'api', empty: '' },
    samples: [
      { value: 10, timestampMs: 1_700_000_000_000 },
      { value: 12, timestampMs: 1_700_000_015_000 },
    ],
  },
];

test('each sample of a WriteRequest becomes a metrics event with its labels and timestamp', () => {
  const out = decodeWriteRequest(snappy.compress(encodeWriteRequest(series)), MAX);
  assert.deepEqual(out.refused, []);
  assert.equal(out.samples, 3);
  assert.deepEqual(out.events, [
    { stream: 'metrics', time: 1_700_000_000_123, name: 'node_load1', value: 2.5, job: 'node', instance: 'web1:9100', labels: { instance: 'web1:9100', job: 'node' } },
    { stream: 'metrics', time: 1_700_000_000_000, name: 'http_requests_total', value: 10, job: 'api', labels: { code: '500', job: 'api' } },
    { stream: 'metrics', time: 1_700_000_015_000, name: 'http_requests_total', value: 12, job: 'api', labels: { code: '500', job: 'api' } },
  ]);
  // The kept text is each event's JSON, field for field.
  assert.deepEqual(out.json.map((t) => JSON.parse(t)), out.events);
  assert.deepEqual(out.json, out.events.map((e) => JSON.stringify(e)));
});

test('NaN samples (staleness markers) are skipped; a bad sample is refused alone', () => {
  const out = decodeWriteRequest(
    snappy.compress(
      encodeWriteRequest([
        { labels: { __name__: 'up', job: 'a' }, samples: [{ value: NaN, timestampMs: 1000 }, { value: 1, timestampMs: 2000 }] },
        { labels: { __name__: 'bad', 'not-a-label': 'x' }, samples: [{ value: 1, timestampMs: 1000 }] },
        { labels: { job: 'nameless' }, samples: [{ value: 1, timestampMs: 1000 }] },
        { labels: { __name__: 'inf' }, samples: [{ value: Infinity, timestampMs: 1000 }] },
      ]),
    ),
    MAX,
  );
  assert.equal(out.samples, 5);
  assert.equal(out.skipped, 1);
  assert.deepEqual(out.events.map((e) => [e.name, e.value, e.time]), [['up', 1, 2000]]);
  assert.equal(out.refused.length, 3);
  assert.match(out.refused[0]!, /invalid label name "not-a-label"/);
  assert.match(out.refused[1]!, /without __name__/);
  assert.match(out.refused[2]!, /Infinity, which an event cannot carry/);
});

test('a truncated snappy body, protobuf garbage and a body past the bound are refused with why', () => {
  const good = snappy.compress(encodeWriteRequest(series));
  assert.throws(() => decodeWriteRequest(good.subarray(0, good.length - 5), MAX), (e: unknown) => e instanceof WriteRequestError && /snappy/.test(e.message));
  const garbage = snappy.compress(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]));
  assert.throws(() => decodeWriteRequest(garbage, MAX), (e: unknown) => e instanceof WriteRequestError && /protobuf prometheus\.WriteRequest/.test(e.message));
  assert.throws(() => decodeWriteRequest(good, 10), (e: unknown) => e instanceof WriteRequestError && /snappy/.test(e.message));
});
