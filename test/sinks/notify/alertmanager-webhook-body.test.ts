import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelsFingerprint } from '../../../engine/label-fingerprint.js';
import type { Notification } from '../../../engine/model/notification.js';
import { parseRuleFile } from '../../../rules/parse.js';
import { printRuleFile } from '../../../rules/print.js';
import { alertmanagerWebhookBody, GO_ZERO_TIME } from '../../../sinks/notify/alertmanager-webhook-body.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function notification(over: Partial<Notification['incident']>, kind: Notification['kind'] = 'firing'): Notification {
  return {
    key: `${over.id ?? 'inc-1'}/${kind}`,
    channel: 'am',
    kind,
    time: T0,
    step: 0,
    incident: {
      id: 'inc-1',
      rule: 'down',
      state: 'firing',
      severity: 'critical',
      labels: { host: 'web1', rule: 'down', severity: 'critical' },
      value: null,
      summary: 'web1 is down',
      openedAt: T0,
      resolvedAt: null,
      url: 'http://vigil.test/v1/incidents/inc-1',
      ...over,
    },
  };
}

test('a rule alert and a posted alert in Alertmanager\'s webhook message, version 4', () => {
  const posted = notification({
    id: 'inc-2',
    rule: 'DiskFull',
    labels: { alertname: 'DiskFull', host: 'web1', severity: 'critical' },
    summary: 'disk full',
    posted: {
      fingerprint: labelsFingerprint({ alertname: 'DiskFull', host: 'web1', severity: 'critical' }),
      annotations: { summary: 'disk full', runbook_url: 'https://runbooks/disk' },
      generatorURL: 'http://prometheus/graph',
      startsAt: T0 - 60_000,
      endsAt: T0 + 240_000,
      updatedAt: T0,
    },
  });
  const body = alertmanagerWebhookBody('am', 'http://vigil.test', [notification({}), posted]);
  assert.deepEqual(Object.keys(body), ['receiver', 'status', 'alerts', 'groupLabels', 'commonLabels', 'commonAnnotations', 'externalURL', 'version', 'groupKey', 'truncatedAlerts']);
  assert.equal(body.version, '4');
  assert.equal(body.status, 'firing');
  assert.deepEqual(body.commonLabels, { host: 'web1', severity: 'critical' });
  assert.deepEqual(body.alerts[0], {
    status: 'firing',
    labels: { alertname: 'down', host: 'web1', rule: 'down', severity: 'critical' },
    annotations: { summary: 'web1 is down' },
    startsAt: '2026-01-01T00:00:00.000Z',
    endsAt: GO_ZERO_TIME,
    generatorURL: 'http://vigil.test/v1/incidents/inc-1',
    fingerprint: labelsFingerprint({ alertname: 'down', host: 'web1', rule: 'down', severity: 'critical' }),
  });
  assert.deepEqual(body.alerts[1], {
    status: 'firing',
    labels: { alertname: 'DiskFull', host: 'web1', severity: 'critical' },
    annotations: { summary: 'disk full', runbook_url: 'https://runbooks/disk' },
    startsAt: '2025-12-31T23:59:00.000Z',
    endsAt: '2026-01-01T00:04:00.000Z',
    generatorURL: 'http://prometheus/graph',
    fingerprint: posted.incident.posted!.fingerprint,
  });
  const resolved = alertmanagerWebhookBody('am', '', [notification({ state: 'resolved', resolvedAt: T0 + 5000 }, 'resolved')]);
  assert.equal(resolved.status, 'resolved');
  assert.equal(resolved.alerts[0]!.endsAt, '2026-01-01T00:00:05.000Z');
});

test('format alertmanager parses and prints back', () => {
  const text = 'channel am webhook { url "http://x/hook" format alertmanager }\n';
  const { ast, diagnostics } = parseRuleFile('a.vigil', text);
  assert.deepEqual(diagnostics, []);
  assert.match(printRuleFile(ast), /format alertmanager/);
});
