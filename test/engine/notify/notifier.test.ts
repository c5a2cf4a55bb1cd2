import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness } from './harness.js';

const RULE = 'rule down { when latest health by host is status == "down" notify chat }';

test('a resolve arrives through a silence: whoever got the firing gets the resolve, and the timeline says it resolved while silenced', () => {
  const h = harness(RULE);
  h.event(1000, { host: 'a', status: 'down' });
  h.silence(2000, 's1', { host: 'a' }, 100_000);
  h.event(3000, { host: 'a', status: 'up' });
  assert.deepEqual(h.queued(), ['1000 inc-1/firing/0/chat', '3000 inc-1/resolved/chat']);
  const resolved = h.entries('inc-1').find((e) => e.kind === 'resolved')!;
  assert.equal(resolved.detail.during, 'silence s1');
  assert.deepEqual(h.kinds(), ['1000 firing inc-1', '2000 silenced inc-1', '3000 resolved inc-1']);
  assert.equal(h.core.book.get('inc-1')!.state, 'resolved');
});

test('an alert silenced after it paged and still firing when the silence ends is notified once then', () => {
  const h = harness(RULE);
  h.event(1000, { host: 'a', status: 'down' });
  h.silence(2000, 's1', { host: 'a' }, 60_000);
  h.advance(59_999);
  assert.deepEqual(h.queued(), ['1000 inc-1/firing/0/chat']);
  h.advance(60_000);
  assert.deepEqual(h.queued(), ['1000 inc-1/firing/0/chat', '60000 inc-1/unsuppressed-1/chat']);
  h.advance(3_600_000);
  assert.equal(h.queued().length, 2, 'notified once, not again');
  const un = h.entries('inc-1').find((e) => e.kind === 'unsuppressed')!;
  assert.deepEqual(un.detail, { after: 'silence s1', notify: ['chat'] });
  h.event(3_700_000, { host: 'a', status: 'up' });
  assert.deepEqual(h.queued().slice(2), ['3700000 inc-1/resolved/chat']);
});

test('deleting a silence early tells who got the firing that the alert still fires; an acknowledged one is only recorded', () => {
  const h = harness(RULE);
  h.event(0, { host: 'a', status: 'down' });
  h.event(0, { host: 'b', status: 'down' });
  h.silence(10, 's1', { severity: 'warning' }, 1_000_000);
  h.at(20, { t: 'ack', id: 'inc-2', by: 'alice', text: 'mine' });
  h.at(30, { t: 'unsilence', id: 's1' });
  assert.deepEqual(h.queued(), ['0 inc-1/firing/0/chat', '0 inc-2/firing/0/chat', '30 inc-1/unsuppressed-1/chat']);
  assert.deepEqual(h.entries('inc-2').find((e) => e.kind === 'unsuppressed')!.detail, { after: 'silence s1', notify: [] });
  h.advance(2_000_000);
  assert.equal(h.queued().length, 3);
});

test('an alert that fires and resolves inside a maintenance window never pages, and its timeline says it resolved during maintenance', () => {
  const h = harness(`${RULE}
maintenance nightly { match host == "a" from "1970-01-01T00:00:00Z" to "1970-01-01T01:00:00Z" }`);
  h.event(1000, { host: 'a', status: 'down' });
  h.event(5000, { host: 'a', status: 'up' });
  h.advance(7_200_000);
  assert.deepEqual(h.queued(), []);
  assert.deepEqual(h.kinds(), ['1000 firing inc-1', '1000 silenced inc-1', '5000 resolved inc-1']);
  assert.equal(h.entries('inc-1')[2]!.detail.during, 'maintenance nightly');
  assert.equal(h.core.book.get('inc-1')!.state, 'resolved');
});

test('an alert held by a maintenance window and still firing when it closes pages then, once, with the timeline saying why', () => {
  const h = harness(`${RULE}
maintenance nightly { match host == "a" from "1970-01-01T00:00:00Z" to "1970-01-01T01:00:00Z" }`);
  h.event(1000, { host: 'a', status: 'down' });
  h.advance(3_600_000);
  h.advance(7_200_000);
  assert.deepEqual(h.queued(), ['3600000 inc-1/firing/0/chat']);
  assert.deepEqual(h.kinds(), ['1000 firing inc-1', '1000 silenced inc-1', '3600000 unsuppressed inc-1']);
});

test('a silence created with notify tells its channels when it expires while its alerts still fire', () => {
  const h = harness(RULE);
  h.silence(0, 's1', { host: 'a' }, 60_000, ['pager']);
  h.silence(0, 's2', { host: 'b' }, 60_000, ['pager']);
  h.event(1000, { host: 'a', status: 'down' });
  h.event(1000, { host: 'b', status: 'down' });
  h.event(2000, { host: 'b', status: 'up' });
  h.advance(60_000);
  // a pages on its own channel when the silence ends, and the silence's channel hears it expired.
  assert.deepEqual(h.queued(), ['60000 inc-1/silence-expired/s1/pager', '60000 inc-1/firing/0/chat']);
  assert.deepEqual(h.entries('inc-1').find((e) => e.kind === 'silence_expired')!.detail, { by: 'silence s1', channels: ['pager'] });
  assert.equal(h.entries('inc-2').some((e) => e.kind === 'silence_expired'), false);
});

test('a silence deleted early tells its notify channels nothing: someone chose to end it', () => {
  const h = harness(RULE);
  h.silence(0, 's1', { host: 'a' }, 60_000, ['pager']);
  h.event(1000, { host: 'a', status: 'down' });
  h.at(2000, { t: 'unsilence', id: 's1' });
  h.advance(120_000);
  assert.deepEqual(h.queued(), ['2000 inc-1/firing/0/chat']);
});

test('suppression state survives a snapshot and restore: the end of a silence and its notify still come', () => {
  const h = harness(RULE);
  h.event(0, { host: 'a', status: 'down' });
  h.silence(10, 's1', { host: 'a' }, 60_000, ['pager']);
  h.event(20, { host: 'b', status: 'down' });
  h.silence(30, 's2', { host: 'b' }, 90_000);
  h.advance(40);
  h.restart();
  h.advance(100_000);
  assert.deepEqual(h.queued(), [
    '0 inc-1/firing/0/chat',
    '20 inc-2/firing/0/chat',
    '60000 inc-1/silence-expired/s1/pager',
    '60000 inc-1/unsuppressed-1/chat',
    '90000 inc-2/unsuppressed-1/chat',
  ]);
});
