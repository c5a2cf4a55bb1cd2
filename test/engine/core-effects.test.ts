import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Core, GROUP_CAP_ALERT, SELF_ALERT_TIMEOUT_MS, type CoreOptions, type Input } from '../../engine/core.js';
import type { Effects } from '../../engine/effects.js';
import { upgradeInput } from '../../engine/input-upgrade.js';
import { checkRuleSet } from '../../rules/check.js';
import { compileRuleSet } from '../../rules/compile.js';
import { parseRuleFile } from '../../rules/parse.js';

const CHANNELS = `
channel chat webhook { url "http://127.0.0.1:1/chat" }
channel mail email { to "ops@example.com" batch 1m }
`;

function core(source: string, options: Partial<CoreOptions> = {}): Core {
  const { ast, diagnostics } = parseRuleFile('t.vigil', CHANNELS + source);
  const files = [{ file: 't.vigil', ast }];
  assert.deepEqual([...diagnostics, ...checkRuleSet(files)], []);
  const set = compileRuleSet(files);
  const c = new Core({
    rules: { rules: set.rules, policies: set.policies },
    externalChannels: ['chat'],
    incidentUrl: (id) => `http://vigil.test/v1/incidents/${id}`,
    maxGroupsPerRule: 1000,
    ...options,
  });
  c.start();
  return c;
}

const changes = (fx: Effects<unknown>): string[] => fx.changes.map((c) => `${c.time} ${c.rule} ${c.state}`);
const keys = (fx: Effects<unknown>): string[] => fx.notifications.map((n) => n.key);
const health = (at: number, fields: Record<string, unknown>, time = at): Input => ({ t: 'events', at, events: [{ stream: 'health', time, ...fields }] });

test('a `for` rule: pending on the event, firing when advance reaches its deadline, with the notification to deliver', () => {
  const c = core('rule down { when latest health by host is status == "down" for 10s notify chat repeat 2m }');
  const first = c.apply(health(0, { host: 'a', status: 'down' }));
  assert.deepEqual(changes(first), ['0 down pending']);
  assert.equal(first.nextDeadline, 10_000);
  const early = c.advance(9_999);
  assert.deepEqual(changes(early), []);
  assert.deepEqual(keys(early), []);
  const fired = c.advance(10_000);
  assert.deepEqual(changes(fired), ['10000 down firing']);
  assert.deepEqual(keys(fired), ['inc-1/firing/0/chat']);
  assert.equal(fired.nextDeadline, 130_000);
  assert.deepEqual(c.queries.pendingNotifications().map((n) => n.key), ['inc-1/firing/0/chat']);
  // Effects are handed over once: the next step starts empty.
  assert.deepEqual(changes(c.advance(10_001)), []);
});

test('an absent rule fires from advance alone, with no input at all', () => {
  const c = core('rule gone { when absent health where check == "web" for 1m }', { start: 1000 });
  assert.equal(c.nextDeadline, 61_000);
  assert.deepEqual(changes(c.advance(60_999)), []);
  const fx = c.advance(61_000);
  assert.deepEqual(changes(fx), ['61000 gone firing']);
  assert.equal(c.queries.incidents({ status: 'firing' }).length, 1);
});

test('apply fires the timers due by the input time first, each at its own time, then applies the input', () => {
  const c = core('rule down { when latest health by host is status == "down" for 10s }');
  c.apply(health(0, { host: 'a', status: 'down' }));
  const fx = c.apply(health(30_000, { host: 'a', status: 'up' }));
  assert.deepEqual(changes(fx), ['10000 down firing', '30000 down resolved']);
});

test('a batch window ends by a timer: its notification becomes due then', () => {
  const c = core('rule down { when latest health by host is status == "down" notify mail }');
  const fx = c.apply(health(0, { host: 'a', status: 'down' }));
  assert.deepEqual(changes(fx), ['0 down firing']);
  assert.deepEqual(keys(fx), []);
  assert.equal(fx.nextDeadline, 60_000);
  assert.deepEqual(keys(c.advance(60_000)), ['inc-1/firing/0/mail']);
});

test('a delivery retry: a failed attempt stays queued and is on the timeline, the retry that succeeds clears it', () => {
  const c = core('rule down { when latest health by host is status == "down" notify chat }');
  c.apply(health(0, { host: 'a', status: 'down' }));
  const key = 'inc-1/firing/0/chat';
  c.apply({ t: 'delivery', at: 1000, result: { channel: 'chat', keys: [key], ok: false, attempt: 1, reason: 'connection', final: false } });
  assert.deepEqual(c.queries.pendingNotifications(1000).map((n) => `${n.key} ${n.attempts}`), [`${key} 1`]);
  assert.equal(c.queries.notificationSent(key), false);
  c.apply({ t: 'delivery', at: 3000, result: { channel: 'chat', keys: [key], ok: true, attempt: 2 } });
  assert.deepEqual(c.queries.pendingNotifications(), []);
  assert.equal(c.queries.notificationSent(key), true);
  const incident = c.queries.incident('inc-1')!;
  assert.deepEqual(
    c.queries.incidentTimeline(incident).map((e) => `${e.time} ${e.kind}`),
    ['0 firing', '1000 notify_failed', '3000 notified'],
  );
});

test('events too late or too far ahead are refused with the reason; a little ahead counts as now', () => {
  const c = core('rule down { when latest health by host is status == "down" }', { latenessMs: 30_000, maxFutureMs: 5 * 60_000 });
  const now = 1_000_000;
  const fx = c.apply({
    t: 'events',
    at: now,
    events: [
      { stream: 'health', time: now - 40_000, host: 'late', status: 'down' },
      { stream: 'health', time: now + 60_000, host: 'soon', status: 'down' },
      { stream: 'health', time: now + 6 * 60_000, host: 'ahead', status: 'down' },
      { stream: 'health', time: Date.parse('9999-12-31T00:00:00Z'), host: 'y9999', status: 'down' },
      { stream: 'health', time: 9e15, host: 'huge', status: 'down' },
      { stream: 'health', time: now - 30_000, host: 'edge', status: 'down' },
    ],
  });
  assert.deepEqual(
    fx.rejections.map((r) => r.index),
    [0, 2, 3, 4],
  );
  assert.match(fx.rejections[0]!.error, /^late: 1970-01-01T00:16:00\.000Z is more than 30s behind the clock$/);
  assert.match(fx.rejections[1]!.error, /^future: .* is more than 5m ahead of the clock$/);
  assert.match(fx.rejections[2]!.error, /^future: 9999-12-31T00:00:00\.000Z is more than 5m ahead/);
  assert.match(fx.rejections[3]!.error, /^future: 9000000000000000 is more than 5m ahead/);
  // The near-future event was taken as now; the refused ones changed nothing.
  assert.deepEqual(
    fx.changes.map((ch) => `${ch.time} ${ch.labels.host} ${ch.state}`),
    [`${now} soon firing`, `${now} edge firing`],
  );
});

test('the group cap is a self-alert while it refuses groups, counted per step, resolved when a group is taken again', () => {
  const c = core('rule busy { when count of logs over 1m by host > 100 }', { maxGroupsPerRule: 2 });
  const logs = (at: number, hosts: string[]): Input => ({ t: 'events', at, events: hosts.map((host) => ({ stream: 'logs', time: at, host })) });
  const capped = c.apply(logs(0, ['a', 'b', 'c', 'd']));
  assert.deepEqual(capped.groupCaps, [{ rule: 'busy', maxGroups: 2, dropped: 2 }]);
  assert.deepEqual(changes(capped), [`0 ${GROUP_CAP_ALERT} firing`]);
  assert.deepEqual(capped.changes[0]!.labels, { capped_rule: 'busy', rule: GROUP_CAP_ALERT, severity: 'warning', source: 'vigil' });
  // Still refusing: counted again, no second alert.
  const again = c.apply(logs(1000, ['e']));
  assert.deepEqual(again.groupCaps, [{ rule: 'busy', maxGroups: 2, dropped: 1 }]);
  assert.deepEqual(changes(again), []);
  assert.equal(c.queries.incidents({ rule: GROUP_CAP_ALERT, status: 'firing' }).length, 1);
  // Once the kept groups are idle, a new group evicts them and is taken: the alert resolves.
  const room = c.apply(logs(200_000, ['f']));
  assert.deepEqual(room.groupCaps, []);
  assert.deepEqual(changes(room), [`200000 ${GROUP_CAP_ALERT} resolved`]);
});

test('a self-alert input fires, stays while repeated, resolves when told; its result and identity are its own', () => {
  const c = core('rule down { when latest health by host is status == "down" }');
  const on = c.apply({ t: 'self', at: 0, name: 'vigil_questdb_down', firing: true, summary: 'QuestDB is unreachable' });
  assert.deepEqual(changes(on), ['0 vigil_questdb_down firing']);
  assert.deepEqual(on.changes[0]!.labels, { rule: 'vigil_questdb_down', severity: 'warning', source: 'vigil' });
  assert.equal(on.nextDeadline, SELF_ALERT_TIMEOUT_MS);
  // A posted alert of the same name from outside is another alert: it does not end vigil's own.
  c.apply({ t: 'alerts', at: 1000, alerts: [{ labels: { alertname: 'vigil_questdb_down', severity: 'warning', source: 'vigil' }, endsAt: 1000 }] });
  assert.equal(c.queries.incidents({ rule: 'vigil_questdb_down', status: 'firing' }).length, 1);
  const off = c.apply({ t: 'self', at: 5000, name: 'vigil_questdb_down', firing: false, summary: 'QuestDB is back' });
  assert.deepEqual(changes(off), ['5000 vigil_questdb_down resolved']);
});

test('human actions and playbook requests answer with a typed result', () => {
  const c = core('rule down { when latest health by host is status == "down" }');
  c.apply(health(0, { host: 'a', status: 'down' }));
  const acked = c.apply({ t: 'ack', at: 1000, id: 'inc-1', by: 'alice', text: 'mine' }).result;
  assert.equal(acked.ok && acked.incident.ackedBy, 'alice');
  const missing = c.apply({ t: 'resolve', at: 2000, id: 'inc-9', by: 'alice', text: '' }).result;
  assert.deepEqual(missing, { ok: false, error: 'not_found' });
  const run = c.apply({ t: 'run', at: 3000, playbook: 'nope', incident: null, labels: {}, by: 'alice' }).result;
  assert.deepEqual(run, { ok: false, error: 'unknown_playbook' });
});

test('a self-alert journaled as a posted alert by an older vigil is read as a self-alert input', () => {
  const old: Input = {
    t: 'alerts',
    at: 5000,
    alerts: [{ labels: { alertname: 'vigil_ingest_lag', severity: 'warning', source: 'vigil' }, annotations: { summary: 'lag 900' }, endsAt: 5000 + 600_000 }],
  };
  assert.deepEqual(upgradeInput(old), { t: 'self', at: 5000, name: 'vigil_ingest_lag', firing: true, summary: 'lag 900' });
  const posted: Input = { t: 'alerts', at: 5000, alerts: [{ labels: { alertname: 'HighLoad', severity: 'warning' } }] };
  assert.equal(upgradeInput(posted), posted);
});
