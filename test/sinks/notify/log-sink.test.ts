import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogSink } from '../../../sinks/notify/log-sink.js';
import { sampleBatch, sendFailure, sinkContract } from '../sink-contract.js';

sinkContract('log sink', async () => {
  const lines: string[] = [];
  let failures = 0;
  const sink = createLogSink({
    name: 'audit',
    write: (line) => {
      if (failures > 0) {
        failures--;
        throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
      }
      lines.push(line);
    },
  });
  return {
    sink,
    secrets: [],
    receivedKeys: () => lines.map((line) => (JSON.parse(line) as { key: string }).key),
    failTemporarily: () => {
      failures = 1;
      return 'connection';
    },
    stop: async () => {},
  };
});

test('log: one JSON line per notification with the documented fields', async () => {
  const lines: string[] = [];
  await createLogSink({ name: 'audit', write: (line) => lines.push(line) }).send(sampleBatch(), new AbortController().signal);
  assert.equal(lines.length, 2);
  assert.ok(lines.every((line) => !line.includes('\n')));
  assert.deepEqual(JSON.parse(lines[0]!), {
    channel: 'audit',
    key: 'inc-1:firing:0',
    kind: 'firing',
    rule: 'minitwit_down',
    state: 'firing',
    severity: 'critical',
    labels: { host: 'web1' },
    value: 0,
    summary: 'MiniTwit is down on web1',
    incident: 'inc-1',
    url: 'https://vigil.example.org/incidents/inc-1',
    time: '2026-03-01T12:00:30.000Z',
  });
  assert.equal(Object.keys(JSON.parse(lines[1]!) as object).join(','), 'channel,key,kind,rule,state,severity,labels,value,summary,incident,url,time');
  assert.equal((JSON.parse(lines[1]!) as { state: string }).state, 'resolved');
});

test('log: a write error is a retryable connection failure', async () => {
  const sink = createLogSink({
    name: 'audit',
    write: () => {
      throw new Error('stream closed');
    },
  });
  const error = await sendFailure(sink, []);
  assert.equal(error.reason, 'connection');
  assert.equal(error.retryable, true);
});
