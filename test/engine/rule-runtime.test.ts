import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertChange } from '../../engine/model/alert-change.js';
import { latestCondition } from '../../engine/conditions/latest.js';
import { occursCondition } from '../../engine/conditions/occurs.js';
import { RuleRuntime } from '../../engine/rule-runtime.js';
import { VirtualClock } from '../../engine/virtual-clock.js';
import { ruleSpec } from '../support/rule-spec.js';

function runtime(options: { maxGroups: number; quietMs?: number; latest?: boolean }) {
  const clock = new VirtualClock(0);
  const changes: AlertChange[] = [];
  const caps: [string, number][] = [];
  const rt = new RuleRuntime({
    rule: ruleSpec({
      name: 'r',
      by: ['host'],
      condition: options.latest ? latestCondition({ is: (e) => e.status === 'down' }) : occursCondition({ quietMs: options.quietMs ?? 1000 }),
    }),
    clock,
    emit: (c) => changes.push(c),
    maxGroups: options.maxGroups,
    onGroupCap: (rule, max) => caps.push([rule, max]),
  });
  return { clock, rt, changes, caps };
}

test('the group cap refuses new groups, reports once, and never throws', () => {
  const { clock, rt, changes, caps } = runtime({ maxGroups: 2 });
  for (const host of ['a', 'b', 'c', 'd']) rt.onEvent({ stream: 'logs', time: 0, host }, 1);
  assert.equal(rt.groupCount, 2);
  assert.deepEqual(caps, [['r', 2]]);
  assert.deepEqual(changes.map((c) => c.labels.host), ['a', 'b']);
  // Once a and b go quiet they are idle and make room for a new group.
  clock.advance(5000);
  rt.onEvent({ stream: 'logs', time: 5000, host: 'e' }, 1);
  assert.equal(rt.groupCount, 1);
  assert.deepEqual(changes.map((c) => `${c.labels.host} ${c.state}`), ['a firing', 'b firing', 'a resolved', 'b resolved', 'e firing']);
});

test('a group holding or firing is never dropped to make room', () => {
  const { rt, caps } = runtime({ maxGroups: 1, latest: true });
  rt.onEvent({ stream: 'health', time: 0, host: 'a', status: 'down' }, 1);
  rt.onEvent({ stream: 'health', time: 0, host: 'b', status: 'down' }, 1);
  assert.equal(rt.groupCount, 1);
  assert.equal(caps.length, 1);
  assert.equal([...rt.view()][0]!.labels.host, 'a');
  assert.equal([...rt.view()][0]!.phase, 'firing');
});

test('view reports each group with labels, phase and whether the condition holds', () => {
  const { rt } = runtime({ maxGroups: 10, latest: true });
  rt.onEvent({ stream: 'health', time: 0, host: 'a', status: 'down' }, 1);
  rt.onEvent({ stream: 'health', time: 0, host: 'b', status: 'up' }, 1);
  const view = [...rt.view()].map((g) => ({ host: g.labels.host, phase: g.phase, holds: g.holds }));
  assert.deepEqual(view, [
    { host: 'a', phase: 'firing', holds: true },
    { host: 'b', phase: 'inactive', holds: false },
  ]);
});

test('a stale timer of a group that was re-armed earlier does nothing', () => {
  const { clock, rt, changes } = runtime({ maxGroups: 10, quietMs: 1000 });
  rt.onEvent({ stream: 'logs', time: 0, host: 'a' }, 1);
  clock.advance(500);
  rt.onEvent({ stream: 'logs', time: 500, host: 'a' }, 1);
  clock.advance(10_000);
  assert.deepEqual(changes.map((c) => `${c.time} ${c.state}`), ['0 firing', '1500 resolved']);
  assert.equal(clock.pending, 0);
});

test('making room evicts the least recently active idle groups first', () => {
  const { rt, caps } = runtime({ maxGroups: 100, latest: true });
  for (let i = 0; i < 100; i++) rt.onEvent({ stream: 'health', time: 0, host: `h${i}`, status: 'up' }, 1);
  // h0..h9 are active again, so h10 is now the least recently active.
  for (let i = 0; i < 10; i++) rt.onEvent({ stream: 'health', time: 0, host: `h${i}`, status: 'up' }, 1);
  rt.onEvent({ stream: 'health', time: 0, host: 'new', status: 'up' }, 1);
  assert.deepEqual(caps, []);
  const kept = new Set([...rt.view()].map((g) => g.labels.host));
  // One new group evicts a batch of 64 idle groups, least recently active first: h10..h73.
  const expected = ['new', ...Array.from({ length: 10 }, (_, i) => `h${i}`), ...Array.from({ length: 26 }, (_, i) => `h${74 + i}`)];
  assert.deepEqual([...kept].sort(), expected.sort());
  assert.equal(rt.groupCount, 37);
});

test('a firing group is never evicted, even when it is the least recently active', () => {
  const { rt, caps, changes } = runtime({ maxGroups: 100, latest: true });
  rt.onEvent({ stream: 'health', time: 0, host: 'down1', status: 'down' }, 1);
  for (let i = 0; i < 99; i++) rt.onEvent({ stream: 'health', time: 0, host: `h${i}`, status: 'up' }, 1);
  rt.onEvent({ stream: 'health', time: 0, host: 'new', status: 'up' }, 1);
  assert.deepEqual(caps, []);
  const view = new Map([...rt.view()].map((g) => [g.labels.host, g.phase]));
  assert.equal(view.get('down1'), 'firing');
  assert.equal(view.has('new'), true);
  assert.equal(view.has('h0'), false);
  assert.equal(view.has('h63'), false);
  assert.equal(view.has('h64'), true);
  assert.deepEqual(changes.map((c) => `${c.labels.host} ${c.state}`), ['down1 firing']);
});

test('when every group fires the new group is refused, and room comes back as groups resolve', () => {
  const { rt, caps } = runtime({ maxGroups: 50, latest: true });
  for (let i = 0; i < 50; i++) rt.onEvent({ stream: 'health', time: 0, host: `h${i}`, status: 'down' }, 1);
  rt.onEvent({ stream: 'health', time: 0, host: 'new1', status: 'down' }, 1);
  rt.onEvent({ stream: 'health', time: 0, host: 'new2', status: 'down' }, 1);
  assert.deepEqual(caps, [['r', 50]]);
  assert.equal(rt.groupCount, 50);
  // h7 recovers: it is idle again and the next new group takes its place.
  rt.onEvent({ stream: 'health', time: 0, host: 'h7', status: 'up' }, 1);
  rt.onEvent({ stream: 'health', time: 0, host: 'new3', status: 'down' }, 1);
  const hosts = new Set([...rt.view()].map((g) => g.labels.host));
  assert.equal(hosts.has('h7'), false);
  assert.equal(hosts.has('new3'), true);
  assert.equal(rt.groupCount, 50);
});

test('a by value longer than the limit is not evaluated and is reported; shorter values make groups as usual', () => {
  const clock = new VirtualClock(0);
  const changes: AlertChange[] = [];
  const tooLong: [string, string, number][] = [];
  const rt = new RuleRuntime({
    rule: ruleSpec({ name: 'r', by: ['host', 'path'], condition: latestCondition({ is: (e) => e.status === 'down' }) }),
    clock,
    emit: (c) => changes.push(c),
    maxGroups: 10,
    onGroupCap: () => {},
    maxLabelValueLength: 8,
    onLabelTooLong: (rule, label, length) => tooLong.push([rule, label, length]),
  });
  rt.onEvent({ stream: 'health', time: 0, host: 'h'.repeat(9), path: '/', status: 'down' }, 1);
  rt.onEvent({ stream: 'health', time: 0, host: 'h1', path: '/'.repeat(100_000), status: 'down' }, 1);
  rt.onEvent({ stream: 'health', time: 0, host: 'h'.repeat(8), path: '/', status: 'down' }, 1);
  assert.deepEqual(tooLong, [['r', 'host', 9], ['r', 'path', 100_000]]);
  assert.equal(rt.groupCount, 1);
  assert.deepEqual(changes.map((c) => c.labels.host), ['hhhhhhhh']);
});
