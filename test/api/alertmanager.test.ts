import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RESOLVE_TIMEOUT_MS } from '../../engine/external-alerts.js';
import { labelsFingerprint } from '../../engine/label-fingerprint.js';
import { iso, startApi } from './api-harness.js';

/** What Prometheus posts for a firing alert (its notifier's JSON, verbatim in shape). */
const prometheusAlert = (endsAt: string) => ({
  labels: { alertname: 'DiskFull', instance: 'db1:9100', job: 'node', severity: 'critical', rule: 'disk' },
  annotations: { summary: 'disk full on db1', description: 'only 2% left', runbook_url: 'https://runbooks.example/disk' },
  startsAt: '2025-12-31T23:00:00.123456789Z',
  endsAt,
  generatorURL: 'http://prometheus:9090/graph?g0.expr=node_filesystem_avail_bytes+%3C+1e9&g0.tab=1',
});

test('a posted alert keeps its labels, annotations, link and times, and resolves at its endsAt', async () => {
  const h = await startApi();
  h.advance(1000);
  const fire = await h.inject({ method: 'POST', url: '/api/v2/alerts', payload: [prometheusAlert(iso(241_000))] });
  assert.equal(fire.statusCode, 200);
  assert.equal(fire.body, '');
  const [incident] = (await h.inject({ url: '/v1/incidents' })).json().incidents;
  assert.equal(incident.rule, 'DiskFull');
  assert.equal(incident.state, 'firing');
  assert.equal(incident.summary, 'disk full on db1');
  // Verbatim: alertname stays, the user's own `rule` label is not overwritten, nothing is invented.
  assert.deepEqual(incident.labels, { alertname: 'DiskFull', instance: 'db1:9100', job: 'node', rule: 'disk', severity: 'critical' });
  assert.equal(incident.openedAt, '2025-12-31T23:00:00.123Z');
  assert.deepEqual(incident.posted.annotations, prometheusAlert('').annotations);
  assert.equal(incident.posted.generatorURL, prometheusAlert('').generatorURL);
  assert.equal(incident.posted.fingerprint, labelsFingerprint(incident.labels));

  // Prometheus sends a resolved alert with endsAt at the time it resolved.
  h.advance(40_000);
  assert.equal((await h.inject({ method: 'POST', url: '/api/v2/alerts', payload: [prometheusAlert(iso(39_000))] })).statusCode, 200);
  const resolved = (await h.inject({ url: '/v1/incidents/inc-1' })).json();
  assert.equal(resolved.state, 'resolved');
  assert.equal(resolved.resolvedAt, iso(39_000));
  await h.close();
});

test('an alert without times (or Go\'s zero time) fires until the resolve timeout passes without a new post', async () => {
  const h = await startApi();
  const grafana = {
    labels: { alertname: 'HighLatency', grafana_folder: 'web', team: '' },
    annotations: { description: 'p99 above 2s' },
    startsAt: '0001-01-01T00:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    // What Grafana's Alertmanager contact point adds (Go field names, no JSON tags).
    UpdatedAt: '2026-01-01T00:00:00Z',
    Timeout: false,
  };
  assert.equal((await h.inject({ method: 'POST', url: '/api/v2/alerts', payload: [grafana] })).statusCode, 200);
  const incident = (await h.inject({ url: '/v1/incidents/inc-1' })).json();
  assert.equal(incident.summary, 'p99 above 2s');
  // The empty label is dropped, as Alertmanager does.
  assert.deepEqual(incident.labels, { alertname: 'HighLatency', grafana_folder: 'web' });
  h.advance(RESOLVE_TIMEOUT_MS - 1);
  assert.equal((await h.inject({ url: '/v1/incidents/inc-1' })).json().state, 'firing');
  h.advance(RESOLVE_TIMEOUT_MS);
  assert.equal((await h.inject({ url: '/v1/incidents/inc-1' })).json().state, 'resolved');
  await h.close();
});

test('each alert of a post is taken or refused on its own; the refused ones are named', async () => {
  const h = await startApi();
  const ok = { labels: { alertname: 'Good' } };
  const bad: [unknown, RegExp][] = [
    [{}, /body\.1: missing property "labels"/],
    [{ labels: { '': 'x', alertname: 'X' } }, /body\.2: invalid label set/],
    [{ labels: { 'foo-bar': 'x' } }, /body\.3: invalid label set: invalid name "foo-bar"/],
    [{ labels: { alertname: 'X', code: 500 } }, /body\.4\.labels\.code must be string/],
    [{ labels: { empty: '' } }, /body\.5: at least one label pair required/],
    [{ labels: { alertname: 'X' }, startsAt: 'now' }, /body\.6\.startsAt must be an ISO-8601 time/],
    [{ labels: { alertname: 'X' }, startsAt: iso(10_000), endsAt: iso(5000) }, /body\.7: start time must be before end time/],
  ];
  const res = await h.inject({ method: 'POST', url: '/api/v2/alerts', payload: [ok, ...bad.map(([a]) => a)] as object[] });
  assert.equal(res.statusCode, 400);
  const rejected = res.json().rejected as { index: number; error: string }[];
  assert.deepEqual(rejected.map((r) => r.index), [1, 2, 3, 4, 5, 6, 7]);
  bad.forEach(([, pattern], i) => assert.match(rejected[i]!.error, pattern));
  assert.deepEqual(
    (await h.inject({ url: '/v1/incidents' })).json().incidents.map((i: { rule: string }) => i.rule),
    ['Good'],
  );
  assert.equal((await h.inject({ method: 'POST', url: '/api/v2/alerts', payload: { labels: ok.labels } })).statusCode, 400);
  const v1 = await h.inject({ method: 'POST', url: '/api/v1/alerts', payload: [{ labels: { alertname: 'Old' } }] });
  assert.deepEqual(v1.json(), { status: 'success' });
  await h.close();
});

test('GET /api/v2/alerts shows posted alerts and rule alerts; what it returns can be posted back', async () => {
  const h = await startApi();
  h.event(1000, { host: 'web1', status: 'down' });
  await h.inject({ method: 'POST', url: '/api/v2/alerts', payload: [prometheusAlert(iso(600_000))] });
  const alerts = (await h.inject({ url: '/api/v2/alerts' })).json();
  assert.equal(alerts.length, 2);
  const rule = alerts.find((a: { labels: Record<string, string> }) => a.labels.alertname === 'down');
  assert.deepEqual(rule.labels, { alertname: 'down', host: 'web1', rule: 'down', severity: 'critical' });
  assert.equal(rule.fingerprint, labelsFingerprint(rule.labels));
  assert.deepEqual(rule.annotations, { summary: 'web1 is down' });
  assert.deepEqual(rule.receivers, [{ name: 'chat' }]);
  assert.deepEqual(rule.status, { inhibitedBy: [], silencedBy: [], state: 'active' });
  assert.equal(rule.startsAt, iso(1000));
  const filtered = (await h.inject({ url: '/api/v2/alerts?filter=alertname%3D%22DiskFull%22&filter=job%3D~%22no.*%22' })).json();
  assert.equal((await h.inject({ url: '/api/v2/alerts?receiver=ch.t' })).json().length, 2);
  assert.equal((await h.inject({ url: '/api/v2/alerts?receiver=cha' })).json().length, 0);
  assert.equal((await h.inject({ url: '/api/v2/alerts?receiver=(' })).statusCode, 400);
  assert.deepEqual(filtered.map((a: { labels: Record<string, string> }) => a.labels.alertname), ['DiskFull']);
  assert.equal((await h.inject({ url: '/api/v2/alerts?filter=alertname%3D%22' })).statusCode, 400);
  const posted = (await h.inject({ method: 'POST', url: '/api/v2/alerts', payload: alerts })).statusCode;
  assert.equal(posted, 200);
  const groups = (await h.inject({ url: '/api/v2/alerts/groups' })).json();
  assert.deepEqual(groups.map((g: { receiver: { name: string }; alerts: unknown[] }) => [g.receiver.name, g.alerts.length]), [['chat', 3]]);
  await h.close();
});

test('one silence, made through the Alertmanager API, holds a rule alert and a posted alert, and shows on both APIs', async () => {
  const h = await startApi();
  const create = await h.inject({
    method: 'POST',
    url: '/api/v2/silences',
    payload: {
      matchers: [{ name: 'alertname', value: 'down|DiskFull', isRegex: true, isEqual: true }],
      startsAt: iso(0),
      endsAt: iso(3_600_000),
      createdBy: 'ops',
      comment: 'maintenance',
    },
  });
  assert.equal(create.statusCode, 200);
  const id = create.json().silenceID;
  h.event(1000, { host: 'web1', status: 'down' });
  await h.inject({ method: 'POST', url: '/api/v2/alerts', payload: [prometheusAlert(iso(600_000))] });
  const alerts = (await h.inject({ url: '/api/v2/alerts' })).json();
  assert.deepEqual(alerts.map((a: { status: { state: string; silencedBy: string[] } }) => [a.status.state, a.status.silencedBy]), [
    ['suppressed', [id]],
    ['suppressed', [id]],
  ]);
  assert.equal((await h.inject({ url: '/api/v2/alerts?silenced=false' })).json().length, 0);
  assert.deepEqual(h.entries().filter((e) => e.kind === 'silenced').map((e) => e.detail), [{ by: `silence ${id}` }, { by: `silence ${id}` }]);
  assert.equal(h.core.notifier.outbox.due(Infinity).length, 0);
  const v1 = (await h.inject({ url: '/v1/silences' })).json().silences;
  assert.deepEqual(v1.map((s: { id: string }) => s.id), [id]);
  const one = (await h.inject({ url: `/api/v2/silence/${id}` })).json();
  assert.equal(one.status.state, 'active');
  assert.equal(one.createdBy, 'ops');
  assert.equal((await h.inject({ method: 'DELETE', url: `/api/v2/silence/${id}` })).statusCode, 200);
  assert.equal((await h.inject({ url: `/api/v2/silence/${id}` })).json().status.state, 'expired');
  assert.equal((await h.inject({ url: '/api/v2/silence/nope' })).statusCode, 404);
  await h.close();
});

test('status has the routing as Alertmanager configuration and the spec\'s version fields', async () => {
  const h = await startApi();
  const status = (await h.inject({ url: '/api/v2/status' })).json();
  assert.equal(status.cluster.status, 'disabled');
  assert.equal(status.uptime, iso(0));
  for (const key of ['version', 'revision', 'branch', 'buildUser', 'buildDate', 'goVersion']) assert.equal(typeof status.versionInfo[key], 'string');
  assert.match(status.config.original, /receiver: chat\n\s+matchers:\n\s+- alertname="down"/);
  assert.deepEqual((await h.inject({ url: '/api/v2/receivers' })).json(), [{ name: 'vigil' }, { name: 'chat' }]);
  assert.equal((await h.inject({ url: '/-/healthy' })).body, 'OK');
  assert.equal((await h.inject({ url: '/-/ready' })).statusCode, 200);
  assert.equal((await h.inject({ method: 'POST', url: '/-/reload' })).statusCode, 200);
  await h.close();
});
