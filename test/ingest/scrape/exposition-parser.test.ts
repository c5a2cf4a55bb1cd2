import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseExposition, parseGoFloat, type ExposedSample } from '../../../ingest/scrape/exposition-parser.js';
import { startNodeExporter, type NodeExporter } from '../../support/node-exporter.js';

/** Samples as plain `[name, labels, value, timestamp?]` tuples. */
function tuples(samples: readonly ExposedSample[]): unknown[] {
  return samples.map((s) => (s.timestampMs === undefined ? [s.name, { ...s.labels }, s.value] : [s.name, { ...s.labels }, s.value, s.timestampMs]));
}

const text = (t: string) => parseExposition(t, { openMetrics: false });
const om = (t: string) => parseExposition(t, { openMetrics: true });

test('the text format: minimal lines, empty label sets, timestamps in ms, comments and HELP for absent metrics', () => {
  const p = text('\nplain 1.5\nnegative -2e3 104000\n# just a comment\nempty_set{} 3\n# HELP nobody here\n');
  assert.deepEqual(p.errors, []);
  assert.deepEqual(tuples(p.samples), [['plain', {}, 1.5], ['negative', {}, -2000, 104000], ['empty_set', {}, 3]]);
});

test('the text format: blanks around names, braces, = and commas; a trailing comma; escapes in values; NaN and infinities', () => {
  const p = text(
    [
      '# TYPE req counter',
      'req{a="1",b="x"} NaN',
      'req {a="2",b="q\\"u\\\\o\\nte"} 0.5 1700000000000',
      '  # HELP  other  help with "quotes"',
      '   #   TYPE   other   gauge',
      'other{a="3"\t,b   =   "y"\t} +Inf 12',
      'other{ a = "4" , }-Inf',
      '\tleading_tab 08',
    ].join('\n'),
  );
  assert.deepEqual(p.errors, []);
  const [first, ...rest] = p.samples;
  assert.equal(first!.name, 'req');
  assert.ok(Number.isNaN(first!.value));
  assert.deepEqual(tuples(rest), [
    ['req', { a: '2', b: 'q"u\\o\nte' }, 0.5, 1700000000000],
    ['other', { a: '3', b: 'y' }, Infinity, 12],
    ['other', { a: '4' }, -Infinity],
    ['leading_tab', {}, 8],
  ]);
  assert.deepEqual([...p.types], [['req', 'counter'], ['other', 'gauge']]);
});

test('the text format: summaries and histograms keep their sample names and the quantile / le labels', () => {
  const p = text(
    [
      '# TYPE rpc summary',
      'rpc{quantile="0.5"} 4773',
      'rpc{quantile="0.99"} 76656',
      'rpc_sum 1.7560473e+07',
      'rpc_count 2693',
      '# TYPE lat histogram',
      'lat_bucket{le="0.1"} 33444',
      'lat_bucket{le="+Inf"} 144320',
      'lat_sum 53423',
      'lat_count 144320',
    ].join('\n'),
  );
  assert.deepEqual(p.errors, []);
  assert.deepEqual(tuples(p.samples), [
    ['rpc', { quantile: '0.5' }, 4773],
    ['rpc', { quantile: '0.99' }, 76656],
    ['rpc_sum', {}, 17560473],
    ['rpc_count', {}, 2693],
    ['lat_bucket', { le: '0.1' }, 33444],
    ['lat_bucket', { le: '+Inf' }, 144320],
    ['lat_sum', {}, 53423],
    ['lat_count', {}, 144320],
  ]);
});

test('quoted (UTF-8) metric and label names inside the braces', () => {
  const p = text('{"my.metric","label.name"="v"} 1\n{a="b", "other.metric"} 2\n{"ø.名"} 3\n');
  assert.deepEqual(p.errors, []);
  assert.deepEqual(tuples(p.samples), [['my.metric', { 'label.name': 'v' }, 1], ['other.metric', { a: 'b' }, 2], ['ø.名', {}, 3]]);
});

test('a line that does not parse is reported with its number and reason; every other line is kept', () => {
  const p = text(
    ['ok_1 1', 'bad{unclosed="x" 3', 'ok_2 2', 'no_value', 'bad_value{a="b"} twelve', 'bad_escape{a="\\q"} 1', 'dup{a="1",a="2"} 1', 'ts_bad 1 1.5', '9starts_with_digit 1', 'ok_3 3', '# TYPE x nonsense'].join('\n'),
  );
  assert.deepEqual(tuples(p.samples), [['ok_1', {}, 1], ['ok_2', {}, 2], ['ok_3', {}, 3]]);
  assert.deepEqual(p.errors.map((e) => e.line), [2, 4, 5, 6, 7, 8, 9, 11]);
  assert.match(p.errors[0]!.error, /expected "," or "}"/);
  assert.match(p.errors[1]!.error, /no value for no_value/);
  assert.match(p.errors[2]!.error, /"twelve" is not a number/);
  assert.match(p.errors[3]!.error, /invalid escape sequence/);
  assert.match(p.errors[4]!.error, /label "a" given twice/);
  assert.match(p.errors[5]!.error, /not a timestamp/);
  assert.match(p.errors[6]!.error, /expected a metric name/);
  assert.match(p.errors[7]!.error, /unknown metric type "nonsense"/);
});

test('a label named __proto__ is a plain key, not a prototype', () => {
  const p = text('x{__proto__="polluted",constructor="c"} 1\n');
  assert.deepEqual(p.errors, []);
  const labels = p.samples[0]!.labels;
  assert.equal(Object.getPrototypeOf(labels), null);
  assert.equal(labels.__proto__, 'polluted');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('OpenMetrics: timestamps in seconds, exemplars, UNIT, counter _total and _created, # EOF', () => {
  const p = om(
    [
      '# TYPE acme_http_router_request_seconds summary',
      '# UNIT acme_http_router_request_seconds seconds',
      '# HELP acme_http_router_request_seconds Latency though all of ACME\'s HTTP request router.',
      'acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32',
      'acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0',
      'acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0',
      '# TYPE foo counter',
      'foo_total 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67',
      'foo_created 1520872607.123',
      '# TYPE lat histogram',
      'lat_bucket{le="0.5"} 129389 # {trace_id="x"} 0.31 1520879607.1',
      'lat_bucket{le="+Inf"} 144320',
      '# TYPE st stateset',
      'st{st="a"} 1',
      '# EOF',
    ].join('\n'),
  );
  assert.deepEqual(p.errors, []);
  assert.deepEqual(tuples(p.samples), [
    ['acme_http_router_request_seconds_sum', { path: '/api/v1', method: 'GET' }, 9036.32],
    ['acme_http_router_request_seconds_count', { path: '/api/v1', method: 'GET' }, 807283],
    ['acme_http_router_request_seconds_created', { path: '/api/v1', method: 'GET' }, 1605281325],
    ['foo_total', {}, 17, 1520879607789],
    ['foo_created', {}, 1520872607.123],
    ['lat_bucket', { le: '0.5' }, 129389],
    ['lat_bucket', { le: '+Inf' }, 144320],
    ['st', { st: 'a' }, 1],
  ]);
});

test('OpenMetrics: a missing # EOF and text after it are errors; the samples are kept', () => {
  const noEof = om('a 1\nb 2\n');
  assert.equal(noEof.samples.length, 2);
  assert.deepEqual(noEof.errors.map((e) => e.error), ['OpenMetrics text does not end with "# EOF"']);
  const after = om('a 1\n# EOF\nb 2\n');
  assert.equal(after.samples.length, 1);
  assert.deepEqual(after.errors.map((e) => e.line), [3]);
  // An exemplar is OpenMetrics only.
  assert.equal(text('foo_total 17 # {a="b"} 1\n').errors.length, 1);
});

test('floats as Go reads them', () => {
  for (const [t, v] of [['1', 1], ['-0.5', -0.5], ['.5', 0.5], ['5.', 5], ['1e3', 1000], ['1E-3', 0.001], ['+Inf', Infinity], ['-inf', -Infinity], ['Inf', Infinity], ['0x1F', 31]] as const) {
    assert.equal(parseGoFloat(t), v, t);
  }
  assert.ok(Number.isNaN(parseGoFloat('NaN')));
  for (const t of ['', 'abc', '1..2', '1e', '--1', '1_000']) assert.equal(parseGoFloat(t), undefined, t);
});

let exporter: NodeExporter;
before(async () => {
  exporter = await startNodeExporter();
});
after(async () => {
  await exporter?.stop();
});

test('a real node exporter page parses without an error, one sample per sample line', async () => {
  const plain = await fetch(`http://${exporter.hostPort}/metrics`).then((r) => r.text());
  const p = text(plain);
  assert.deepEqual(p.errors, []);
  const sampleLines = plain.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  assert.equal(p.samples.length, sampleLines.length);
  assert.ok(p.samples.some((s) => s.name === 'node_load1'));
  assert.ok(p.samples.some((s) => s.name === 'node_cpu_seconds_total' && s.labels.mode === 'idle'));
  assert.equal(p.types.get('node_cpu_seconds_total'), 'counter');
});
