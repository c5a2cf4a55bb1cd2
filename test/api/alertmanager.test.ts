import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RESOLVE_TIMEOUT_MS } from '../../engine/external-alerts.js';
import { iso, startApi, T0 } from './api-harness.js';

/** What Prometheus posts for a firing alert (its notifier's JSON, verbatim in shape). */
const prometheusAlert = (endsAt: string) => ({
  labels: { alertname: 'DiskFull', instance: 'db1:9100', job: 'node', severity: 'critical' },
  annotations: { summary: 'disk full on db1' },
  startsAt: '2026-01-01T00:00:00.123456789Z',
  endsAt,
  generatorURL: 'http://prometheus:9090/graph?g0.expr=node_filesystem_avail_bytes+%3C+1e9&g0.tab=1',
});

test('alerts posted the way Prometheus does fire an incident and resolve it', async () => {
  const h = await startApi();
  h.advance(1000);
  const fire = await h.inject({ method: 'POST', url: '/api/v2/alerts', payload: [prometheusAlert(iso(241_000))] });
  assert.equal(fire.statusCode, 200);
  assert.equal(fire.body, '');
  assert.deepEqual(h.journal.at(-1), {
    t: 'alerts',
    at: T0 + 1000,
    alerts: [
      {
        labels: { alertname: 'DiskFull', instance: 'db1:9100', job: 'node', severity: 'critical' },
        annotations: { summary: 'disk full on db1' },
        startsAt: T0 + 123,
        endsAt: T0 + 241_000,
        generatorURL: 'http://prometheus:9090/graph?g0.expr=node_filesystem_avail_bytes+%3C+1e9&g0.tab=1',
      },
    ],
  });
  const [incident] = (await h.inject({ url: '/v1/incidents' })).json().incidents;
  assert.equal(incident.rule, 'DiskFull');
  assert.equal(incident.state, 'firing');
  assert.equal(incident.summary, 'disk full on db1');
  assert.deepEqual(incident.labels, { instance: 'db1:9100', job: 'node', rule: 'DiskFull', severity: 'critical' });
  assert.equal(incident.openedAt, iso(1000));

  // Prometheus sends a resolved alert with endsAt at the time it resolved.
  h.advance(40_000);
  assert.equal((await h.inject({ method: 'POST', url: '/api/v2/alerts', payload: [prometheusAlert(iso(39_000))] })).statusCode, 200);
  const resolved = (await h.inject({ url: '/v1/incidents/inc-1' })).json();
  assert.equal(resolved.state, 'resolved');
  assert.equal(resolved.resolvedAt, iso(40_000));
  await h.close();
});

test('an alert without times (or Go\'s zero time) fires until the resolve timeout passes without a new post', async () => {
  const h = await startApi();
  const grafana = {
    labels: { alertname: 'HighLatency', grafana_folder: 'web', __alert_rule_uid__: 'abc123' },
    annotations: { description: 'p99 above 2s', __value_string__: '[ var=\'B\' value=2.4 ]' },
    startsAt: '0001-01-01T00:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
  };
  assert.equal((await h.inject({ method: 'POST', url: '/api/v2/alerts', payload: [grafana] })).statusCode, 200);
  const last = h.journal.at(-1);
  assert.ok(last?.t === 'alerts');
  const posted = last.alerts[0]!;
  assert.equal('startsAt' in posted, false);
  assert.equal('endsAt' in posted, false);
  const incident = (await h.inject({ url: '/v1/incidents/inc-1' })).json();
  assert.equal(incident.summary, 'p99 above 2s');
  assert.equal(incident.severity, 'warning');
  h.advance(RESOLVE_TIMEOUT_MS - 1);
  assert.equal((await h.inject({ url: '/v1/incidents/inc-1' })).json().state, 'firing');
  h.advance(RESOLVE_TIMEOUT_MS);
  assert.equal((await h.inject({ url: '/v1/incidents/inc-1' })).json().state, 'resolved');
  await h.close();
});

test('what is not a list of Alertmanager alerts is a 400, and nothing is applied', async () => {
  const h = await startApi();
  const ok = { labels: { alertname: 'X' } };
  const cases: [unknown, RegExp][] = [
    [ok, /body must be array/],
    [[{}], /body\.0: missing property "labels"/],
    [[{ labels: {} }], /body\.0\.labels must NOT have fewer than 1 properties/],
    [[{ labels: { alertname: 'X', code: 500 } }], /body\.0\.labels\.code must be string/],
    [[{ ...ok, status: 'firing' }], /body\.0: unknown property "status"/],
    [[{ ...ok, startsAt: 'now' }], /body\.0\.startsAt must be an ISO-8601 time/],
    [[ok, { ...ok, startsAt: iso(10_000), endsAt: iso(5000) }], /body\.1: endsAt is before startsAt/],
  ];
  for (const [payload, error] of cases) {
    const res = await h.inject({ method: 'POST', url: '/api/v2/alerts', payload: payload as object });
    assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`);
    assert.match(res.json().error, error, JSON.stringify(payload));
  }
  assert.equal((await h.inject({ method: 'POST', url: '/api/v2/alerts', payload: [] })).statusCode, 200);
  assert.equal(h.journal.length, 0);
  await h.close();
});

test('the status probe answers like a single Alertmanager', async () => {
  const h = await startApi();
  const res = await h.inject({ url: '/api/v2/status' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().cluster.status, 'disabled');
  assert.equal(res.json().uptime, iso(0));
  await h.close();
});
