import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_LIMITS } from '../../ingest/event-schema.js';
import { createEventValidator, parseIsoTime, type EventCheck } from '../../ingest/event-validator.js';

const validate = createEventValidator();
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

function accepted(raw: unknown): Record<string, unknown> {
  const r = validate(raw, NOW);
  assert.ok(r.ok, `expected ${JSON.stringify(raw)?.slice(0, 100)} to be accepted, got ${r.ok ? '' : r.error}`);
  return r.event as Record<string, unknown>;
}

function rejected(raw: unknown): string {
  const r: EventCheck = validate(raw, NOW);
  assert.equal(r.ok, false, `expected ${JSON.stringify(raw)?.slice(0, 100)} to be rejected`);
  assert.ok(!r.ok);
  assert.equal(typeof r.error, 'string');
  assert.ok(r.error.length > 0);
  return r.error;
}

/** An event with `n` fields in all, `stream` included. */
function withFields(n: number): Record<string, unknown> {
  const e: Record<string, unknown> = { stream: 'metrics' };
  for (let i = 1; i < n; i++) e[`f${i}`] = i;
  return e;
}

function labels(n: number): Record<string, string> {
  const l: Record<string, string> = {};
  for (let i = 0; i < n; i++) l[`l${i}`] = `v${i}`;
  return l;
}

test('a well-formed event is accepted with its fields as given', () => {
  const raw = {
    stream: 'logs',
    time: '2026-01-01T00:00:00Z',
    host: 'web1',
    level: 'error',
    status_code: 503,
    cached: false,
    trace: null,
    labels: { env: 'prod', team: 'ops' },
  };
  assert.deepEqual(accepted(raw), { ...raw, time: Date.UTC(2026, 0, 1) });
});

test('an event without a stream, or with an empty or non-string one, is rejected', () => {
  assert.match(rejected({ host: 'web1' }), /stream/);
  assert.match(rejected({}), /stream/);
  assert.match(rejected({ stream: '' }), /stream/);
  assert.match(rejected({ stream: 5 }), /stream/);
  assert.match(rejected({ stream: null }), /stream/);
  assert.match(rejected({ stream: ['logs'] }), /stream/);
  assert.match(rejected({ stream: 'x'.repeat(EVENT_LIMITS.maxStreamLength + 1) }), /stream/);
  accepted({ stream: 'x'.repeat(EVENT_LIMITS.maxStreamLength) });
});

test('anything but a JSON object is rejected', () => {
  for (const raw of [[], [{ stream: 'logs' }], null, undefined, 'logs', '{"stream":"logs"}', 42, true]) {
    rejected(raw);
  }
});

test('a nested object or an array outside labels is rejected, naming the field', () => {
  assert.match(rejected({ stream: 'logs', request: { path: '/' } }), /"request"/);
  assert.match(rejected({ stream: 'logs', tags: ['a', 'b'] }), /"tags"/);
  assert.match(rejected({ stream: 'logs', tags: [] }), /"tags"/);
  assert.match(rejected({ stream: 'logs', host: 'web1', deep: { a: { b: 1 } } }), /"deep"/);
  assert.match(rejected({ stream: 'logs', time: { at: 1 } }), /"time"/);
});

test('the error for a value of the wrong type says which types are allowed', () => {
  const error = rejected({ stream: 'logs', request: { path: '/' } });
  for (const word of ['string', 'number', 'boolean', 'null']) assert.match(error, new RegExp(word));
});

test('labels must be an object of strings', () => {
  assert.match(rejected({ stream: 'logs', labels: { env: 1 } }), /labels\.env/);
  assert.match(rejected({ stream: 'logs', labels: { ok: true } }), /labels\.ok/);
  assert.match(rejected({ stream: 'logs', labels: { none: null } }), /labels\.none/);
  assert.match(rejected({ stream: 'logs', labels: { nested: { a: 'b' } } }), /labels\.nested/);
  assert.match(rejected({ stream: 'logs', labels: ['env'] }), /labels/);
  assert.match(rejected({ stream: 'logs', labels: null }), /labels/);
  assert.match(rejected({ stream: 'logs', labels: 'env=prod' }), /labels/);
  assert.deepEqual(accepted({ stream: 'logs', labels: {} }).labels, {});
  assert.deepEqual(accepted({ stream: 'logs', labels: { env: '' } }).labels, { env: '' });
});

test('scalar values of every kind are accepted', () => {
  const e = accepted({ stream: 'logs', s: 'x', n: -1.5, z: 0, t: true, f: false, nul: null, empty: '' });
  assert.deepEqual([e.s, e.n, e.z, e.t, e.f, e.nul, e.empty], ['x', -1.5, 0, true, false, null, '']);
});

test('too many fields are rejected; the limit itself is accepted', () => {
  accepted(withFields(EVENT_LIMITS.maxFields));
  assert.equal(Object.keys(withFields(EVENT_LIMITS.maxFields + 1)).length, EVENT_LIMITS.maxFields + 1);
  rejected(withFields(EVENT_LIMITS.maxFields + 1));
});

test('too many labels are rejected; the limit itself is accepted', () => {
  accepted({ stream: 'logs', labels: labels(EVENT_LIMITS.maxLabels) });
  assert.match(rejected({ stream: 'logs', labels: labels(EVENT_LIMITS.maxLabels + 1) }), /labels/);
});

test('strings longer than the limit are rejected, in fields and in labels', () => {
  const long = 'x'.repeat(EVENT_LIMITS.maxStringLength + 1);
  assert.match(rejected({ stream: 'logs', message: long }), /"message"/);
  assert.match(rejected({ stream: 'logs', labels: { note: long } }), /labels\.note/);
  accepted({ stream: 'logs', message: long.slice(1) });
});

test('ISO times in UTC, with offsets and with fractional seconds', () => {
  const at = (time: string) => accepted({ stream: 'logs', time }).time;
  assert.equal(at('2026-01-01T00:00:00Z'), Date.UTC(2026, 0, 1));
  assert.equal(at('2026-01-01T00:00:00z'), Date.UTC(2026, 0, 1));
  assert.equal(at('2026-01-01T02:00:00+02:00'), Date.UTC(2026, 0, 1));
  assert.equal(at('2025-12-31T18:30:00-05:30'), Date.UTC(2026, 0, 1));
  assert.equal(at('2026-01-01T01:00:00+0100'), Date.UTC(2026, 0, 1));
  assert.equal(at('2026-01-01T00:00:00.5Z'), Date.UTC(2026, 0, 1) + 500);
  assert.equal(at('2026-01-01T00:00:00.123Z'), Date.UTC(2026, 0, 1) + 123);
  assert.equal(at('2026-01-01T00:00:00.123456789Z'), Date.UTC(2026, 0, 1) + 123);
  assert.equal(at('2026-01-01T01:00:00.250+01:00'), Date.UTC(2026, 0, 1) + 250);
  assert.equal(at('2026-03-31T12:00:00Z'), Date.UTC(2026, 2, 31, 12));
  assert.equal(at('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
});

test('an ISO time without a zone is UTC', () => {
  const at = (time: string) => accepted({ stream: 'logs', time }).time;
  assert.equal(at('2026-01-01T00:00:00'), Date.UTC(2026, 0, 1));
  assert.equal(at('2026-06-15T10:20:30.040'), Date.UTC(2026, 5, 15, 10, 20, 30, 40));
  assert.equal(at('2026-06-15'), Date.UTC(2026, 5, 15));
});

test('epoch milliseconds are taken as they are', () => {
  assert.equal(accepted({ stream: 'logs', time: 1767225600000 }).time, 1767225600000);
  assert.equal(accepted({ stream: 'logs', time: 0 }).time, 0);
});

test('a time that does not parse is rejected, naming the field', () => {
  for (const time of [
    'yesterday',
    '',
    '2026-13-01T00:00:00Z',
    '2026-01-32T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-04-31T10:00:00+02:00',
    '2026-01-01T25:00:00Z',
    '2026-01-01T00:61:00Z',
    '01/02/2026',
    '1767225600000',
  ]) {
    assert.match(rejected({ stream: 'logs', time }), /"time"/, time);
  }
  for (const time of [1e300, -1e300]) assert.match(rejected({ stream: 'logs', time }), /"time"/, String(time));
  for (const time of [true, [], {}]) rejected({ stream: 'logs', time });
});

test('a missing time is the ingest time, set on the parsed object itself (no copy)', () => {
  const raw = { stream: 'logs', message: 'hi' };
  const e = accepted(raw);
  assert.equal(e.time, NOW);
  assert.equal(e.message, 'hi');
  assert.equal(e, raw as unknown);
  assert.deepEqual(raw, { stream: 'logs', message: 'hi', time: NOW });
  assert.equal(accepted({ stream: 'logs' }).time, NOW);
  const r = validate({ stream: 'logs' }, 42);
  assert.ok(r.ok);
  assert.equal(r.event.time, 42);
});

test('a key named __proto__, constructor or prototype refuses the event, at the top or in labels', () => {
  assert.match(rejected(JSON.parse('{"stream":"logs","__proto__":"x"}')), /"__proto__", which is not allowed/);
  assert.match(rejected(JSON.parse('{"stream":"logs","labels":{"__proto__":"y"}}')), /labels.*"__proto__"/);
  assert.match(rejected(JSON.parse('{"stream":"logs","constructor":"x"}')), /"constructor"/);
  assert.match(rejected(JSON.parse('{"stream":"logs","labels":{"prototype":"y"}}')), /"prototype"/);
  rejected(JSON.parse('{"stream":"logs","__proto__":{"polluted":true}}'));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  accepted({ stream: 'logs', proto: 'x', labels: { constructor_name: 'y' } });
});

test('parseIsoTime', () => {
  assert.equal(parseIsoTime('2026-01-01T00:00:00Z'), Date.UTC(2026, 0, 1));
  assert.equal(parseIsoTime('2026-01-01T00:00:00+01:00'), Date.UTC(2025, 11, 31, 23));
  assert.equal(parseIsoTime('2026-01-01T00:00:00.999-00:30'), Date.UTC(2026, 0, 1, 0, 30, 0, 999));
  assert.equal(parseIsoTime('2026-01-01T00:00:00'), Date.UTC(2026, 0, 1));
  assert.equal(parseIsoTime('2026-01-31T23:59:59.001Z'), Date.UTC(2026, 0, 31, 23, 59, 59, 1));
  assert.equal(parseIsoTime('2028-02-29T12:00:00Z'), Date.UTC(2028, 1, 29, 12));
  assert.equal(parseIsoTime('2026-12-31T23:59:59+14:00'), Date.UTC(2026, 11, 31, 9, 59, 59));
  for (const bad of ['', 'now', 'T00:00:00Z', '2026-02-29T00:00:00Z', '2026-06-31T00:00:00Z', '2026-00-10T00:00:00Z', '2026-01-01T00:00:00+25:00']) {
    assert.equal(parseIsoTime(bad), undefined, bad);
  }
});
