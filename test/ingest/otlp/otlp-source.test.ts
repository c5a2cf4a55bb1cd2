import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OtlpTypes } from '../../../ingest/otlp/otlp-types.js';
import { eventually, postJson, startVigilProcess, writeVigilFiles, type VigilProcess } from '../../support/vigil-process.js';

/**
 * The official OpenTelemetry JS SDK sends logs and metrics to vigil's OTLP/HTTP receiver,
 * in binary protobuf and in OTLP/JSON; rules fire on what arrives. Bad bodies are refused
 * with 400 and counted; refused records come back as partial success.
 */

const WRITER = 'otlp-writer-token';
const ADMIN = 'otlp-admin-token';
const admin = { authorization: `Bearer ${ADMIN}` };
const writer = { authorization: `Bearer ${WRITER}` };
const EXPORT_TIMEOUT_MS = 60_000;

let vigil: VigilProcess;

before(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-otlp-'));
  const config = [
    'rules: ./rules',
    'data: ./data',
    'http:',
    '  listen: 127.0.0.1:0',
    'auth:',
    '  tokens: [{name: admin, role: admin, env: VIGIL_ADMIN_TOKEN}, {name: sdk, role: write, env: VIGIL_WRITER_TOKEN}]',
    '',
  ].join('\n');
  const rules = {
    'otlp.vigil': [
      'rule payment_failed { when logs where level == "error" and message contains "payment failed" by service, host, trace_id, span_id, labels.http_method, labels.deployment_environment quiet 1h severity critical }',
      'rule queue_deep { when latest metrics where name == "queue_depth" by labels.job, labels.instance, labels.queue is value > 40 }',
      'rule requests_seen { when latest metrics where name == "http_requests_total" by labels.job, labels.route is value >= 5 }',
      'rule slow_requests { when latest metrics where name == "http_duration_bucket" and labels.le == "+Inf" by labels.job is value >= 3 }',
      'rule slow_sum { when latest metrics where name == "http_duration_sum" by labels.job is value > 10 }',
      '',
    ].join('\n'),
  };
  vigil = await startVigilProcess(dir, await writeVigilFiles(dir, config, rules), { VIGIL_ADMIN_TOKEN: ADMIN, VIGIL_WRITER_TOKEN: WRITER });
});

after(async () => {
  await vigil?.stop();
});

/** The firing change of `rule` whose labels include `labels`, once vigil printed it. */
function firing(rule: string, labels: Record<string, string>): Promise<{ labels: Record<string, string>; value: unknown }> {
  return eventually(
    () => {
      for (const line of vigil.stdout().split('\n')) {
        if (line === '') continue;
        const change = JSON.parse(line);
        if (change.rule === rule && change.state === 'firing' && Object.entries(labels).every(([k, v]) => change.labels[k] === v)) return change;
      }
      return undefined;
    },
    `${rule} firing with ${JSON.stringify(labels)}`,
    120_000,
  );
}

async function sendLogs(encoding: 'protobuf' | 'json', service: string, traceId: string, spanId: string): Promise<void> {
  const options = { url: `${vigil.url}/v1/logs`, headers: writer, timeoutMillis: EXPORT_TIMEOUT_MS };
  const exporter = encoding === 'protobuf' ? new ProtoLogExporter(options) : new JsonLogExporter(options);
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'host.name': 'web1', 'deployment.environment': 'prod' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('checkout-logger');
  const context = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED });
  logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'payment started', attributes: { 'http.method': 'POST' }, context });
  logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'payment failed: card declined', attributes: { 'http.method': 'POST' }, context });
  await provider.forceFlush();
  await provider.shutdown();
}

async function sendMetrics(encoding: 'protobuf' | 'json', service: string): Promise<void> {
  const options = { url: `${vigil.url}/v1/metrics`, headers: writer, timeoutMillis: EXPORT_TIMEOUT_MS };
  const exporter = encoding === 'protobuf' ? new ProtoMetricExporter(options) : new JsonMetricExporter(options);
  // Exports only when flushed: the interval is longer than the test.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000, exportTimeoutMillis: EXPORT_TIMEOUT_MS });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': service, 'service.instance.id': 'pod-1' }), readers: [reader] });
  const meter = provider.getMeter('checkout-meter');
  meter.createGauge('queue.depth').record(42, { queue: 'payments' });
  meter.createCounter('http.requests').add(5, { route: '/pay' });
  const duration = meter.createHistogram('http.duration', { advice: { explicitBucketBoundaries: [0.1, 1, 10] } });
  for (const v of [0.05, 0.5, 20]) duration.record(v);
  await reader.forceFlush();
  await provider.shutdown();
}

for (const encoding of ['protobuf', 'json'] as const) {
  test(`logs from the OpenTelemetry SDK (${encoding}) become logs events: body, level, resource and attributes, trace ids`, async () => {
    const service = `checkout-${encoding}`;
    const traceId = encoding === 'protobuf' ? '5b8aa5a2d2c872e8321cf37308d69df2' : '0af7651916cd43dd8448eb211c80319c';
    const spanId = encoding === 'protobuf' ? '051581bf3cb55c13' : 'b7ad6b7169203331';
    await sendLogs(encoding, service, traceId, spanId);
    const change = await firing('payment_failed', { service });
    assert.equal(change.labels.host, 'web1');
    assert.equal(change.labels.trace_id, traceId);
    assert.equal(change.labels.span_id, spanId);
    assert.equal(change.labels['labels.http_method'], 'POST');
    assert.equal(change.labels['labels.deployment_environment'], 'prod');
  });

  test(`metrics from the OpenTelemetry SDK (${encoding}): gauge, counter as _total, histogram as _bucket/_sum/_count`, async () => {
    const service = `shop-${encoding}`;
    await sendMetrics(encoding, service);
    const deep = await firing('queue_deep', { 'labels.job': service });
    assert.equal(deep.labels['labels.instance'], 'pod-1');
    assert.equal(deep.labels['labels.queue'], 'payments');
    await firing('requests_seen', { 'labels.job': service, 'labels.route': '/pay' });
    await firing('slow_requests', { 'labels.job': service });
    await firing('slow_sum', { 'labels.job': service });
  });
}

const NOW_NS = `${Date.now()}000000`;

test('OTLP/JSON: refused records come back as partial success, the others are taken', async () => {
  const body = {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'partial' } }] },
        scopeLogs: [
          {
            scope: { name: 's' },
            logRecords: [
              { timeUnixNano: NOW_NS, severityNumber: 17, body: { stringValue: 'payment failed: partial' }, traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' },
              { timeUnixNano: NOW_NS, severityNumber: 17, body: { stringValue: 'bad id' }, traceId: 'xyz' },
            ],
          },
        ],
      },
    ],
  };
  const res = await postJson(`${vigil.url}/v1/logs`, body, writer);
  assert.equal(res.status, 200);
  assert.equal(res.json.partialSuccess.rejectedLogRecords, '1');
  assert.match(res.json.partialSuccess.errorMessage, /1 of 2 refused: log record: traceId is not 16 bytes/);
  await firing('payment_failed', { service: 'partial', trace_id: '0af7651916cd43dd8448eb211c80319c' });

  const metrics = {
    resourceMetrics: [
      {
        scopeMetrics: [
          {
            metrics: [
              { name: 'queue.depth', gauge: { dataPoints: [{ timeUnixNano: NOW_NS, asInt: '99', attributes: [{ key: 'queue', value: { stringValue: 'json-partial' } }] }] } },
              { name: 'latency', exponentialHistogram: { dataPoints: [{ timeUnixNano: NOW_NS, count: '1' }] } },
            ],
          },
        ],
      },
    ],
  };
  const m = await postJson(`${vigil.url}/v1/metrics`, metrics, writer);
  assert.equal(m.status, 200);
  assert.equal(m.json.partialSuccess.rejectedDataPoints, '1');
  assert.match(m.json.partialSuccess.errorMessage, /exponential histograms are not taken/);
  await firing('queue_deep', { 'labels.queue': 'json-partial' });

  const all = await postJson(`${vigil.url}/v1/metrics`, { resourceMetrics: [] }, writer);
  assert.equal(all.status, 200);
  assert.deepEqual(all.json, {});
});

test('protobuf garbage, bad JSON and bad gzip are refused with 400 and counted; a gzip body is taken', async () => {
  const before = await rejected('logs');
  const post = (body: Uint8Array | string, type: string, extra: Record<string, string> = {}) =>
    fetch(`${vigil.url}/v1/logs`, { method: 'POST', headers: { 'content-type': type, ...writer, ...extra }, body }).then(async (r) => ({ status: r.status, type: r.headers.get('content-type'), body: Buffer.from(await r.arrayBuffer()) }));
  const garbage = await post(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), 'application/x-protobuf');
  assert.equal(garbage.status, 400);
  assert.match(JSON.parse(garbage.body.toString()).error, /not a protobuf ExportLogsServiceRequest/);
  const badJson = await post('{"resourceLogs": [', 'application/json');
  assert.equal(badJson.status, 400);
  assert.match(JSON.parse(badJson.body.toString()).error, /not JSON/);
  const badGzip = await post(Buffer.from('not gzip'), 'application/json', { 'content-encoding': 'gzip' });
  assert.equal(badGzip.status, 400);
  assert.match(JSON.parse(badGzip.body.toString()).error, /not gzip/);
  assert.equal((await rejected('logs')) - before, 3);

  // A protobuf request, gzip-compressed, answered in protobuf.
  const request = OtlpTypes.logsRequest.fromObject({
    resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'gzipped' } }] }, scopeLogs: [{ logRecords: [{ severityText: 'error', body: { stringValue: 'payment failed: gzip' } }] }] }],
  });
  const ok = await post(gzipSync(OtlpTypes.logsRequest.encode(request).finish()), 'application/x-protobuf', { 'content-encoding': 'gzip' });
  assert.equal(ok.status, 200);
  assert.equal(ok.type, 'application/x-protobuf');
  assert.deepEqual(OtlpTypes.logsResponse.toObject(OtlpTypes.logsResponse.decode(ok.body)), {});
  await firing('payment_failed', { service: 'gzipped' });
});

/** vigil's count of refused events of `stream`. */
async function rejected(stream: string): Promise<number> {
  const text = await (await fetch(`${vigil.url}/metrics`, { headers: admin })).text();
  const m = new RegExp(`^vigil_events_rejected_total\\{stream="${stream}"\\} (\\S+)$`, 'm').exec(text);
  return m === null ? 0 : Number(m[1]);
}
