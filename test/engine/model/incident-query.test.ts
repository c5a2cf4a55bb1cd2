import assert from 'node:assert/strict';
import { test } from 'node:test';
import { incidentLimit, matchesIncidentQuery } from '../../../engine/model/incident-query.js';

const inc = (openedAt: number, resolvedAt: number | null) => ({ state: resolvedAt === null ? ('firing' as const) : ('resolved' as const), rule: 'r', openedAt, resolvedAt });

test('since and until keep the incidents open at some point in [since, until], both ends inclusive', () => {
  const q = { since: 100, until: 200 };
  assert.equal(matchesIncidentQuery(inc(50, 99), q), false, 'resolved before since');
  assert.equal(matchesIncidentQuery(inc(50, 100), q), true, 'resolved at since');
  assert.equal(matchesIncidentQuery(inc(200, null), q), true, 'opened at until, still open');
  assert.equal(matchesIncidentQuery(inc(201, null), q), false, 'opened after until');
  assert.equal(matchesIncidentQuery(inc(0, null), q), true, 'open throughout');
  assert.equal(matchesIncidentQuery(inc(0, null), {}), true);
});

test('status and rule match exactly; the limit is a whole number from 1 to 1,000, 100 by default', () => {
  assert.equal(matchesIncidentQuery(inc(0, null), { status: 'firing', rule: 'r' }), true);
  assert.equal(matchesIncidentQuery(inc(0, null), { status: 'resolved' }), false);
  assert.equal(matchesIncidentQuery(inc(0, null), { rule: 'other' }), false);
  assert.deepEqual([undefined, 0, 2.7, 50, 5000].map((limit) => incidentLimit({ limit })), [100, 1, 2, 50, 1000]);
});
