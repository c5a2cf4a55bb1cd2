import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEventValidator } from '../../../ingest/event-validator.js';
import { logLevel, logsEvents } from '../../../ingest/otlp/log-records.js';

const validate = createEventValidator();

test('levels come from the severity number ranges, else from the severity text', () => {
  assert.deepEqual([1, 5, 9, 12, 13, 17, 21, 24].map((n) => logLevel(n, undefined)), ['debug', 'debug', 'info', 'info', 'warning', 'error', 'fatal', 'fatal']);
  assert.equal(logLevel(0, 'WARN'), 'warning');
  assert.equal(logLevel(undefined, 'Error2'), 'error');
  assert.equal(logLevel(undefined, 'critical'), 'fatal');
  assert.equal(logLevel(0, 'verbose'), undefined);
  assert.equal(logLevel(undefined, undefined), undefined);
});

test('a log record becomes a logs event with body, level, ids, service, host and attributes as labels', () => {
  const request = {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }, { key: 'host.name', value: { stringValue: 'web1' } }, { key: 'k8s.pod.uid', value: { stringValue: 'p1' } }] },
        scopeLogs: [
          {
            scope: { name: 'http', attributes: [{ key: 'scope.attr', value: { intValue: '7' } }] },
            logRecords: [
              {
                timeUnixNano: '1700000000123456789',
                severityNumber: 13,
                severityText: 'WARN',
                body: { stringValue: 'slow request' },
                attributes: [{ key: 'http.status_code', value: { intValue: 503 } }, { key: 'retry', value: { boolValue: true } }, { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '2' }] } } }, { key: '__proto__', value: { stringValue: 'x' } }],
                traceId: new Uint8Array(Buffer.from('5b8aa5a2d2c872e8321cf37308d69df2', 'hex')),
                spanId: '051581BF3CB55C13',
              },
              { observedTimeUnixNano: '1700000001000000000', body: { kvlistValue: { values: [{ key: 'a', value: { doubleValue: 1.5 } }] } }, traceId: '00000000000000000000000000000000' },
            ],
          },
        ],
      },
    ],
  };
  const { records } = logsEvents(request, 42, validate);
  assert.deepEqual(records, [
    {
      ok: true,
      event: {
        stream: 'logs',
        time: 1_700_000_000_123,
        message: 'slow request',
        level: 'warning',
        severity_number: 13,
        severity_text: 'WARN',
        service: 'api',
        host: 'web1',
        scope: 'http',
        trace_id: '5b8aa5a2d2c872e8321cf37308d69df2',
        span_id: '051581bf3cb55c13',
        labels: { service_name: 'api', host_name: 'web1', k8s_pod_uid: 'p1', scope_attr: '7', http_status_code: '503', retry: 'true', tags: '["a",2]' },
      },
    },
    {
      ok: true,
      event: { stream: 'logs', time: 1_700_000_001_000, message: '{"a":1.5}', service: 'api', host: 'web1', scope: 'http', labels: { service_name: 'api', host_name: 'web1', k8s_pod_uid: 'p1', scope_attr: '7' } },
    },
  ]);
});

test('a record with a bad id or past the event limits is refused alone; a missing time is the ingest time', () => {
  const record = (extra: Record<string, unknown>) => ({ body: { stringValue: 'x' }, ...extra });
  const tooMany = Array.from({ length: 70 }, (_, i) => ({ key: `k${i}`, value: { stringValue: 'v' } }));
  const { records } = logsEvents({ resourceLogs: [{ scopeLogs: [{ logRecords: [record({ spanId: 'abc' }), record({ attributes: tooMany }), 'nope', record({})] }] }] }, 42, validate);
  assert.equal(records.length, 4);
  assert.deepEqual(records.map((r) => r.ok), [false, false, false, true]);
  assert.match(!records[0]!.ok ? records[0]!.error : '', /spanId is not 8 bytes/);
  assert.match(!records[1]!.ok ? records[1]!.error : '', /labels/);
  assert.equal(records[3]!.ok && records[3]!.event.time, 42);
  assert.deepEqual(logsEvents({ resourceLogs: 'not a list' }, 0, validate).records, []);
});
