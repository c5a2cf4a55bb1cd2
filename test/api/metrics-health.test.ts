import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createApiMetrics } from '../../api/metrics.js';
import { startApi } from './api-harness.js';

test('/metrics serves vigil\'s metrics in the text exposition format', async () => {
  const h = await startApi();
  h.event(0, { host: 'a', status: 'down' });
  h.event(1000, { host: 'b', status: 'down' });
  h.event(2000, { host: 'a', status: 'up' });
  h.metrics.eventsReceived('health', 3);
  h.metrics.eventsReceived(undefined, 1);
  h.metrics.eventsRejected('health', 2);
  h.metrics.ruleEvaluation(0.002);
  h.metrics.notification('chat', true);
  h.metrics.notification('chat', false, 'timeout');
  h.metrics.queueDepth(4);

  const res = await h.inject({ url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const text = res.body;
  for (const line of [
    'vigil_events_received_total{stream="health"} 3',
    'vigil_events_received_total{stream="unknown"} 1',
    'vigil_events_rejected_total{stream="health"} 2',
    'vigil_rule_evaluation_seconds_count 1',
    'vigil_rule_evaluation_seconds_bucket{le="0.0025"} 1',
    'vigil_incidents{state="firing"} 1',
    'vigil_incidents{state="acknowledged"} 0',
    'vigil_incidents{state="resolved"} 1',
    'vigil_notifications_sent_total{channel="chat"} 1',
    'vigil_notifications_failed_total{channel="chat",reason="timeout"} 1',
    'vigil_queue_depth 4',
    'vigil_rule_groups{rule="down"} 2',
    'vigil_rule_groups{rule="slow"} 2',
  ]) {
    assert.ok(text.split('\n').includes(line), `missing: ${line}`);
  }
  assert.match(text, /^# TYPE vigil_event_loop_lag_seconds gauge$/m);
  assert.match(text, /^vigil_event_loop_lag_seconds \d/m);
  await h.close();
});

test('rule groups follow a reload, and stream labels are capped', async () => {
  const h = await startApi();
  h.rules = 'rule only { when latest health by host is status == "x" }\n';
  assert.equal((await h.inject({ method: 'POST', url: '/v1/rules/reload' })).statusCode, 200);
  const text = (await h.inject({ url: '/metrics' })).body;
  assert.match(text, /^vigil_rule_groups\{rule="only"\} 0$/m);
  assert.doesNotMatch(text, /vigil_rule_groups\{rule="down"\}/);
  await h.close();

  const metrics = createApiMetrics({ defaultMetrics: false, maxStreams: 2 });
  for (const s of ['a', 'b', 'c', 'd']) metrics.eventsReceived(s, 1);
  const capped = await metrics.registry.metrics();
  assert.match(capped, /^vigil_events_received_total\{stream="other"\} 2$/m);
  metrics.close();
});

test('default process metrics are on unless turned off', async () => {
  const on = createApiMetrics();
  assert.match(await on.registry.metrics(), /^process_cpu_user_seconds_total /m);
  on.close();
  const off = createApiMetrics({ defaultMetrics: false });
  assert.doesNotMatch(await off.registry.metrics(), /process_cpu_user_seconds_total/);
  off.close();
});

test('healthz is always ok; readyz is 503 until the service is ready', async () => {
  const h = await startApi({ ready: false });
  const health = await h.inject({ url: '/healthz' });
  assert.equal(health.statusCode, 200);
  assert.deepEqual(health.json(), { status: 'ok' });
  const starting = await h.inject({ url: '/readyz' });
  assert.equal(starting.statusCode, 503);
  assert.deepEqual(starting.json(), { error: 'vigil is starting', code: 'VIGIL_NOT_READY', status: 'starting' });
  h.ready = true;
  const ready = await h.inject({ url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(ready.json(), { status: 'ready' });
  await h.close();
});
