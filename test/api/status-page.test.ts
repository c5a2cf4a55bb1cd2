import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STATUS_HISTORY_DAYS, statusPageView, type StatusPageOptions } from '../../api/status-page.js';
import type { Incident } from '../../engine/model/incident.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-03-31T12:00:00Z');

function incident(over: Partial<Incident> & Pick<Incident, 'id' | 'rule' | 'severity' | 'openedAt'>): Incident {
  return {
    fingerprint: over.id,
    labels: { host: 'web1', secret_label: 'internal-value' },
    state: 'firing',
    value: 1,
    summary: 'web1 is down (internal detail)',
    ackedAt: null,
    ackedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    alertFiring: true,
    entries: [],
    ...over,
  };
}

const OPTIONS: StatusPageOptions = {
  title: 'Example',
  groups: [
    {
      name: 'Web',
      services: [
        { name: 'Site', rules: ['web_down'], match: {} },
        { name: 'Search', rules: ['search_slow'], match: { service: 'search' } },
        { name: 'Mail', rules: ['mail_down'], match: {} },
      ],
    },
  ],
};

test('a critical open incident is down, another open one degraded, none up; only configured names are shown', () => {
  const view = statusPageView(
    OPTIONS,
    [
      incident({ id: 'inc-1', rule: 'web_down', severity: 'critical', openedAt: NOW - 60_000 }),
      incident({ id: 'inc-2', rule: 'search_slow', severity: 'warning', openedAt: NOW - 60_000, labels: { service: 'search' } }),
      // Does not carry the service's match labels: does not count.
      incident({ id: 'inc-3', rule: 'search_slow', severity: 'critical', openedAt: NOW - 60_000, labels: { service: 'other' } }),
    ],
    NOW,
  );
  const services = view.groups[0]!.services;
  assert.deepEqual(services.map((s) => [s.name, s.status]), [['Site', 'down'], ['Search', 'degraded'], ['Mail', 'up']]);
  const text = JSON.stringify(view);
  for (const leak of ['web1', 'internal-value', 'secret_label', 'web_down', 'internal detail', 'inc-1']) assert.ok(!text.includes(leak), `the view carries "${leak}"`);
});

test('the 90 daily bars take the worst state an incident had that day, resolved ones included', () => {
  const view = statusPageView(
    OPTIONS,
    [
      // Three days ago, from 23:00 to 01:00 the next day: two days down.
      incident({ id: 'inc-1', rule: 'web_down', severity: 'critical', state: 'resolved', openedAt: Date.parse('2026-03-28T23:00:00Z'), resolvedAt: Date.parse('2026-03-29T01:00:00Z') }),
      incident({ id: 'inc-2', rule: 'web_down', severity: 'warning', state: 'resolved', openedAt: Date.parse('2026-03-29T05:00:00Z'), resolvedAt: Date.parse('2026-03-29T06:00:00Z') }),
      incident({ id: 'inc-3', rule: 'web_down', severity: 'warning', state: 'resolved', openedAt: Date.parse('2026-03-30T05:00:00Z'), resolvedAt: Date.parse('2026-03-30T06:00:00Z') }),
      // Older than the history: not drawn.
      incident({ id: 'inc-4', rule: 'web_down', severity: 'critical', state: 'resolved', openedAt: NOW - 200 * DAY, resolvedAt: NOW - 199 * DAY }),
    ],
    NOW,
  );
  const site = view.groups[0]!.services[0]!;
  assert.equal(site.status, 'up');
  assert.equal(site.days.length, STATUS_HISTORY_DAYS);
  assert.equal(site.days[STATUS_HISTORY_DAYS - 1]!.day, '2026-03-31');
  const byDay = Object.fromEntries(site.days.filter((d) => d.status !== 'up').map((d) => [d.day, d.status]));
  assert.deepEqual(byDay, { '2026-03-28': 'down', '2026-03-29': 'down', '2026-03-30': 'degraded' });
});
