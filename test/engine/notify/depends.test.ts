import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness } from './harness.js';

const RULES = `
rule switch_down { when latest health where check == "switch" by switch is status == "down" notify pager }
rule host_down { when latest health where check == "ping" by host, switch is status == "down" notify pager }
rule service_down { when latest health where check == "web" by service, host is status == "down" notify chat }
depends service=minitwit on host=$host
depends host on switch=$switch
`;

test('a switch failure is one incident: 50 hosts behind it join it instead of paging, and only the switch pages', () => {
  const h = harness(RULES);
  h.event(0, { check: 'switch', switch: 'sw1', status: 'down' });
  for (let i = 0; i < 50; i++) h.event(1000, { check: 'ping', host: `h${i}`, switch: 'sw1', status: 'down' });
  // A host on another switch is not part of it.
  h.event(1000, { check: 'ping', host: 'other', switch: 'sw2', status: 'down' });
  assert.deepEqual(h.queued(), ['0 inc-1/firing/0/pager', '1000 inc-52/firing/0/pager']);
  const sw = h.core.book.get('inc-1')!;
  assert.equal(sw.children!.length, 50);
  for (let i = 2; i <= 51; i++) {
    const child = h.core.book.get(`inc-${i}`)!;
    assert.equal(child.parent, 'inc-1');
    assert.equal(child.state, 'firing', 'a suppressed alert still has its own lifecycle');
    assert.deepEqual(h.entries(child.id).map((e) => [e.kind, e.detail.by]), [['firing', undefined], ['suppressed', 'inc-1']]);
  }
  assert.equal(h.entries('inc-1').filter((e) => e.kind === 'child').length, 50);
});

test('when the parent resolves, children still firing page on their own; those that resolved while suppressed never page', () => {
  const h = harness(RULES);
  h.event(0, { check: 'switch', switch: 'sw1', status: 'down' });
  for (let i = 0; i < 4; i++) h.event(1000, { check: 'ping', host: `h${i}`, switch: 'sw1', status: 'down' });
  h.event(2000, { check: 'ping', host: 'h0', switch: 'sw1', status: 'up' });
  h.event(3000, { check: 'switch', switch: 'sw1', status: 'up' });
  assert.deepEqual(h.queued(), ['0 inc-1/firing/0/pager', '3000 inc-1/resolved/pager', '3000 inc-3/firing/0/pager', '3000 inc-4/firing/0/pager', '3000 inc-5/firing/0/pager']);
  const h0 = h.entries('inc-2');
  assert.deepEqual(h0.map((e) => e.kind), ['firing', 'suppressed', 'resolved']);
  assert.equal(h0[2]!.detail.during, 'depends on inc-1');
  assert.deepEqual(h.entries('inc-3').map((e) => e.kind), ['firing', 'suppressed', 'unsuppressed']);
  assert.equal(h.core.book.get('inc-3')!.parent, undefined);
  assert.ok(h.entries('inc-1').some((e) => e.kind === 'child' && e.detail.left === 'inc-3'));
});

test('dependencies are transitive: a service on a host behind a failed switch joins the switch incident', () => {
  const h = harness(RULES);
  h.event(0, { check: 'switch', switch: 'sw1', status: 'down' });
  h.event(1, { check: 'ping', host: 'web1', switch: 'sw1', status: 'down' });
  h.event(2, { check: 'web', service: 'minitwit', host: 'web1', status: 'down' });
  // Another service on the host is not named by any depends: it pages.
  h.event(2, { check: 'web', service: 'db', host: 'web1', status: 'down' });
  assert.deepEqual(h.queued(), ['0 inc-1/firing/0/pager', '2 inc-4/firing/0/chat']);
  assert.equal(h.core.book.get('inc-3')!.parent, 'inc-1');
  // The switch comes back, the host stays down: the service now belongs to the host's incident.
  h.event(10, { check: 'switch', switch: 'sw1', status: 'up' });
  assert.deepEqual(h.queued().slice(2), ['10 inc-1/resolved/pager', '10 inc-2/firing/0/pager']);
  assert.equal(h.core.book.get('inc-3')!.parent, 'inc-2');
  h.event(20, { check: 'ping', host: 'web1', switch: 'sw1', status: 'up' });
  assert.deepEqual(h.queued().slice(4), ['20 inc-2/resolved/pager', '20 inc-3/firing/0/chat']);
});

test('a child that fired before its parent has already paged and keeps its own incident', () => {
  const h = harness(RULES);
  h.event(0, { check: 'ping', host: 'h1', switch: 'sw1', status: 'down' });
  h.event(5, { check: 'switch', switch: 'sw1', status: 'down' });
  assert.deepEqual(h.queued(), ['0 inc-1/firing/0/pager', '5 inc-2/firing/0/pager']);
  assert.equal(h.core.book.get('inc-1')!.parent, undefined);
});

test('membership in a parent incident survives a snapshot and restore', () => {
  const h = harness(RULES);
  h.event(0, { check: 'switch', switch: 'sw1', status: 'down' });
  h.event(1, { check: 'ping', host: 'h1', switch: 'sw1', status: 'down' });
  h.restart();
  assert.equal(h.core.book.get('inc-2')!.parent, 'inc-1');
  assert.deepEqual(h.core.book.get('inc-1')!.children, ['inc-2']);
  h.event(9, { check: 'switch', switch: 'sw1', status: 'up' });
  assert.deepEqual(h.queued(), ['0 inc-1/firing/0/pager', '9 inc-1/resolved/pager', '9 inc-2/firing/0/pager']);
});
