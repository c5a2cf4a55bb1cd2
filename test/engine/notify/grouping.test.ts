import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness } from './harness.js';

test('group by labels within D: one notification batch per group, groups kept apart', () => {
  const h = harness('rule down { when latest health by host, dc is status == "down" notify chat group by dc within 1m }');
  h.event(0, { host: 'a', dc: 'east', status: 'down' });
  h.event(10_000, { host: 'b', dc: 'east', status: 'down' });
  h.event(20_000, { host: 'c', dc: 'west', status: 'down' });
  // The outbox hands over each group's batch at its end, together.
  assert.deepEqual(h.core.advance(60_000).notifications.map((n) => n.key), ['inc-1/firing/0/chat', 'inc-2/firing/0/chat']);
  h.event(70_000, { host: 'd', dc: 'east', status: 'down' });
  assert.deepEqual(h.queued(), ['60000 inc-1/firing/0/chat', '60000 inc-2/firing/0/chat', '80000 inc-3/firing/0/chat', '130000 inc-4/firing/0/chat']);
  assert.deepEqual(h.core.advance(80_000).notifications.map((n) => n.key), ['inc-3/firing/0/chat']);
});

test('open when N alerts within D: no incident until N alerts fired within D, then all open at once', () => {
  const h = harness('rule disk { when latest health by host is status == "down" notify chat open when 3 alerts within 5m }');
  h.event(0, { host: 'a', status: 'down' });
  h.event(60_000, { host: 'b', status: 'down' });
  assert.equal(h.core.book.incidentCount, 0);
  assert.deepEqual(h.queued(), []);
  const pending = h.core.book.entries({}).filter((e) => e.kind === 'pending');
  assert.deepEqual(pending.map((e) => e.detail.openWhen), [{ waiting: 1, of: 3, withinMs: 300_000 }, { waiting: 2, of: 3, withinMs: 300_000 }]);
  h.event(120_000, { host: 'c', status: 'down' });
  assert.equal(h.core.book.incidentCount, 3);
  assert.deepEqual(h.queued(), ['120000 inc-1/firing/0/chat', '120000 inc-2/firing/0/chat', '120000 inc-3/firing/0/chat']);
  // While the rule has an open incident, a new alert opens its own at once.
  h.event(130_000, { host: 'd', status: 'down' });
  assert.ok(h.queued().includes('130000 inc-4/firing/0/chat'));
});

test('open when: alerts spread wider than D never reach the threshold; one that resolves while waiting leaves without an incident', () => {
  const h = harness('rule disk { when latest health by host is status == "down" notify chat open when 2 alerts within 1m }');
  h.event(0, { host: 'a', status: 'down' });
  h.event(10_000, { host: 'a', status: 'up' });
  h.event(30_000, { host: 'b', status: 'down' });
  h.event(200_000, { host: 'c', status: 'down' });
  assert.equal(h.core.book.incidentCount, 0);
  h.restart();
  h.event(210_000, { host: 'd', status: 'down' });
  // c and d within 1m: both open; b (still firing, waiting) opens with them.
  assert.deepEqual(h.core.book.list({}).map((i) => i.labels.host).sort(), ['b', 'c', 'd']);
});

test('a flapping alert pages once, sends one flapping message, stays quiet until it settles, then says it settled', () => {
  const h = harness('rule web { when latest health by host is status == "down" summary "web down on {host}" notify chat flapping 2 within 10m }');
  for (let i = 0; i < 6; i++) {
    h.event(i * 60_000, { host: 'a', status: 'down' });
    h.event(i * 60_000 + 30_000, { host: 'a', status: 'up' });
  }
  assert.deepEqual(h.queued(), [
    '0 inc-1/firing/0/chat',
    '30000 inc-1/resolved/chat',
    '60000 inc-2/firing/0/chat',
    '90000 inc-2/resolved/chat',
    '120000 inc-3/flapping/chat',
  ]);
  const flappingItem = h.core.notifier.outbox.get('inc-3/flapping/chat')!;
  assert.equal(flappingItem.incident.summary, 'web down on a: flapping, fired 3 times within 10m; no more pages until it settles');
  assert.equal(h.core.book.incidentCount, 6, 'every fire is still an incident');
  assert.equal(h.entries('inc-5').find((e) => e.kind === 'resolved')!.detail.during, 'flapping');
  // Quiet for 10m after the last fire (at 5m): it settles at 15m, resolved.
  h.advance(900_000);
  assert.deepEqual(h.queued().slice(5), ['900000 inc-6/settled/chat']);
});

test('a flapping alert still firing when it settles pages as a new alert; flapping survives a restart', () => {
  const h = harness('rule web { when latest health by host is status == "down" notify chat flapping 1 within 10m }');
  h.event(0, { host: 'a', status: 'down' });
  h.event(1000, { host: 'a', status: 'up' });
  h.event(2000, { host: 'a', status: 'down' });
  h.restart();
  h.advance(601_999);
  assert.deepEqual(h.queued(), ['0 inc-1/firing/0/chat', '1000 inc-1/resolved/chat', '2000 inc-2/flapping/chat']);
  h.advance(602_000);
  assert.deepEqual(h.queued().slice(3), ['602000 inc-2/firing/0/chat']);
});
