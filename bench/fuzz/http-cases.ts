/** One request the fuzzer sends. */
export interface HttpCase {
  /** What kind of input it is (figures are counted per kind). */
  readonly kind: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const NDJSON_TYPE = { 'content-type': 'application/x-ndjson' };
const WRONG_TYPES = ['text/plain', 'application/xml', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', '', '*/*', 'application/json, text/plain', 'application/ndjson'];
const STREAMS = ['health', 'logs', 'metrics', 'deploys', '', 'x'.repeat(300), '__proto__', 'constructor', '😀'];
const KEYS = ['stream', 'time', 'host', 'status', 'check', 'value', 'level', 'service', 'name', 'labels', '__proto__', 'constructor', 'prototype', 'toString', '', 'a.b', '$where', '\u0000', 'x'.repeat(1000)];
const ODD_VALUES: unknown[] = [null, true, false, 0, -0, 1e308, -1e308, 2 ** 53 + 1, 0.1, '', 'down', 'up', '1970-01-01T00:00:00Z', '2999-12-31T23:59:59Z', 'not a time', [], {}, [[[]]], { __proto__: { polluted: true } }, '\u202e', '\ud800', 'x'.repeat(10_000)];

/** Nested arrays or objects `depth` levels deep, built as text (no recursion). */
function nested(depth: number, open: string, close: string): string {
  return open.repeat(depth) + close.repeat(depth);
}

/**
 * Generates hostile and random requests against vigil's write endpoints (`/v1/events` as a
 * JSON object, a JSON array and NDJSON; `/api/v2/alerts`; silences and incident actions)
 * and its queries: well-formed ones with proper content types, mutated bytes, deep
 * nesting, huge strings, invalid UTF-8, wrong content types, prototype keys, odd numbers.
 */
export function httpCaseGenerator(rnd: () => number, options: { bodyLimit: number }) {
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const value = (): unknown => (rnd() < 0.5 ? pick(ODD_VALUES) : rnd() < 0.5 ? int(1000) : `v${int(100)}`);
  const event = (): Record<string, unknown> => {
    const e: Record<string, unknown> = rnd() < 0.9 ? { stream: rnd() < 0.8 ? pick(['health', 'logs', 'metrics']) : pick(STREAMS) } : {};
    if (rnd() < 0.5) e.host = `h${int(20)}`;
    if (rnd() < 0.5) e.status = pick(['down', 'up']);
    for (let i = int(4); i > 0; i--) Object.defineProperty(e, pick(KEYS), { value: value(), enumerable: true, configurable: true, writable: true });
    return e;
  };
  /** JSON.stringify keeps `__proto__` as an own key only when it is one; make sure it is. */
  const json = (v: unknown): string => {
    const text = JSON.stringify(v) ?? 'null';
    return rnd() < 0.2 ? text.replace(/^\{/, '{"__proto__":{"polluted":true},') : text;
  };
  const buf = (s: string): Buffer => Buffer.from(s, 'utf8');
  const mutateBytes = (b: Buffer): Buffer => {
    const out = Buffer.from(b);
    for (let i = 1 + int(6); i > 0 && out.length > 0; i--) out[int(out.length)] = int(256);
    return rnd() < 0.3 ? out.subarray(0, int(out.length + 1)) : out;
  };
  const alert = (): Record<string, unknown> => {
    const a: Record<string, unknown> = { labels: rnd() < 0.9 ? { alertname: `a${int(10)}`, host: `h${int(5)}` } : value() };
    if (rnd() < 0.5) a.annotations = rnd() < 0.8 ? { summary: 's' } : value();
    if (rnd() < 0.5) a.startsAt = pick(['2026-01-01T00:00:00Z', 'garbage', '', 12, null]);
    if (rnd() < 0.5) a.endsAt = pick(['2999-01-01T00:00:00Z', '0001-01-01T00:00:00Z', 'garbage', -1]);
    if (rnd() < 0.2) a.generatorURL = 'javascript:alert(1)';
    return a;
  };
  const kinds: Array<() => HttpCase> = [
    () => ({ kind: 'events_object', method: 'POST', path: '/v1/events', headers: JSON_TYPE, body: buf(json(event())) }),
    () => ({ kind: 'events_array', method: 'POST', path: '/v1/events', headers: JSON_TYPE, body: buf(json(Array.from({ length: int(50) }, () => (rnd() < 0.9 ? event() : value())))) }),
    () => {
      const lines = Array.from({ length: 1 + int(50) }, () => (rnd() < 0.8 ? json(event()) : pick(['{broken', '', ' ', '[1,2]', 'null', '"s"', '\r', '{"stream":"logs"}{"stream":"logs"}'])));
      return { kind: 'events_ndjson', method: 'POST', path: '/v1/events', headers: NDJSON_TYPE, body: buf(lines.join(pick(['\n', '\r\n', '\n\n']))) };
    },
    () => {
      const ndjson = rnd() < 0.5;
      const text = ndjson ? [json(event()), json(event())].join('\n') : json([event(), event()]);
      return { kind: 'events_mutated', method: 'POST', path: '/v1/events', headers: ndjson ? NDJSON_TYPE : JSON_TYPE, body: mutateBytes(buf(text)) };
    },
    () => {
      // Up to a million levels; past the body limit the answer must be 413.
      const depth = pick([100, 1000, 10_000, 100_000, 1_000_000]);
      const inner = rnd() < 0.5 ? nested(depth, '[', ']') : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const body = rnd() < 0.5 ? `{"stream":"logs","deep":${inner}}` : inner;
      const where = pick(['/v1/events', '/api/v2/alerts', '/v1/silences']);
      return { kind: 'deep_nesting', method: 'POST', path: where, headers: where === '/v1/events' && rnd() < 0.3 ? NDJSON_TYPE : JSON_TYPE, body: buf(body) };
    },
    () => {
      // Just under or just over the body limit.
      const size = rnd() < 0.5 ? options.bodyLimit - 100 - int(1000) : options.bodyLimit + int(1000);
      const big = 'x'.repeat(Math.max(0, size));
      const body = rnd() < 0.5 ? `{"stream":"logs","message":"${big}"}` : `${JSON.stringify({ stream: 'logs', message: 'm' })}\n${big}`;
      return { kind: 'huge', method: 'POST', path: '/v1/events', headers: body.startsWith('{"stream":"logs","message":"x') ? JSON_TYPE : NDJSON_TYPE, body: buf(body) };
    },
    () => {
      const bytes = [0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80];
      const b = Buffer.concat([buf('{"stream":"logs","message":"'), Buffer.from(Array.from({ length: 1 + int(20) }, () => pick(bytes))), buf('"}')]);
      return { kind: 'invalid_utf8', method: 'POST', path: pick(['/v1/events', '/api/v2/alerts']), headers: rnd() < 0.5 ? JSON_TYPE : NDJSON_TYPE, body: b };
    },
    () => {
      const type = pick(WRONG_TYPES);
      return { kind: 'wrong_content_type', method: 'POST', path: pick(['/v1/events', '/api/v2/alerts', '/v1/silences', '/v1/incidents/inc-1/comment']), headers: type === '' ? ({} as Record<string, string>) : { 'content-type': type }, body: buf(json(event())) };
    },
    () => ({ kind: 'alerts', method: 'POST', path: '/api/v2/alerts', headers: JSON_TYPE, body: buf(json(rnd() < 0.9 ? Array.from({ length: int(30) }, alert) : value())) }),
    () => ({ kind: 'alerts_mutated', method: 'POST', path: '/api/v2/alerts', headers: JSON_TYPE, body: mutateBytes(buf(json([alert(), alert()]))) }),
    () => {
      const body = { matchers: rnd() < 0.8 ? [{ name: pick(KEYS), value: pick(['a', '(', '.*', '[', '']), isRegex: rnd() < 0.5 }] : value(), startsAt: pick(['2026-01-01T00:00:00Z', 'x', 0]), endsAt: pick(['2999-01-01T00:00:00Z', 'x', -5]), createdBy: value(), comment: value() };
      return { kind: 'silences', method: 'POST', path: '/v1/silences', headers: JSON_TYPE, body: buf(json(body)) };
    },
    () => {
      const id = pick(['inc-1', 'inc-999999', '', '%00', '..%2f..%2fetc', 'x'.repeat(2000), '__proto__', '%ZZ']);
      const path = `/v1/incidents/${id}/${pick(['ack', 'resolve', 'comment'])}`;
      return { kind: 'incident_actions', method: 'POST', path, headers: JSON_TYPE, body: buf(json(rnd() < 0.5 ? { by: value(), text: value() } : value())) };
    },
    () => {
      const q = pick(['limit=-1', 'limit=1e99', 'limit=abc', 'since=garbage', 'until=%00', 'status=__proto__', 'rule=' + 'x'.repeat(5000), 'limit[]=1&limit[]=2', '__proto__[x]=1', 'constructor[prototype][x]=1', '']);
      const path = `${pick(['/v1/incidents', '/v1/timeline', '/v1/silences', '/v1/playbooks/runs', '/v1/rules', '/v1/rules/__proto__', '/v1/incidents/%E0%A4%A', '/nope', '/metrics', '/healthz'])}?${q}`;
      return { kind: 'queries', method: pick(['GET', 'GET', 'DELETE', 'PUT']), path, headers: {} };
    },
  ];
  return (): HttpCase => pick(kinds)();
}
