import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Core, type Input, type InputBody } from '../../engine/core.js';
import type { TimelineEntry } from '../../engine/model/incident.js';
import { checkRuleSet } from '../../rules/check.js';
import { compileRuleSet } from '../../rules/compile.js';
import { parseRuleFile } from '../../rules/parse.js';

const CHANNELS = `
channel chat webhook { url "http://127.0.0.1:1/chat" }
channel pager webhook { url "http://127.0.0.1:1/pager" }
channel mail email { to "ops@example.com" batch 1m }
`;

function compile(source: string) {
  const { ast, diagnostics } = parseRuleFile('t.vigil', CHANNELS + source);
  const files = [{ file: 't.vigil', ast }];
  assert.deepEqual([...diagnostics, ...checkRuleSet(files)], []);
  return compileRuleSet(files);
}

/** A core on a virtual clock, with inputs applied at given times. */
function harness(source: string, options: { externalChannels?: string[] } = {}) {
  const set = compile(source);
  const core = new Core({
    start: 0,
    rules: { rules: set.rules, policies: set.policies },
    externalChannels: options.externalChannels ?? [],
    incidentUrl: (id) => `http://vigil.test/v1/incidents/${id}`,
    maxGroupsPerRule: 1000,
  });
  core.start();
  const clock = { advance: (time: number): void => void core.advance(time), now: () => core.now };
  const at = (time: number, input: InputBody): void => {
    clock.advance(time);
    core.apply({ ...input, at: time } as Input);
  };
  const event = (time: number, fields: Record<string, unknown>): void => at(time, { t: 'events', events: [{ stream: 'health', time, ...fields }] } as InputBody);
  /** Outbox keys queued so far (pending or sent). */
  const queued = (): string[] => core.notifier.outbox.due(Infinity).map((i) => `${i.notBefore} ${i.key}`);
  const kinds = (): string[] => core.book.entries({ limit: 10_000 }).map((e: TimelineEntry) => `${e.time} ${e.kind}${e.incident ? ` ${e.incident}` : ''}`);
  return { clock, core, at, event, queued, kinds };
}

const DOWN = 'rule down { when latest health by host is status == "down" for 10s severity critical summary "{host} is down" notify chat then pager after 5m repeat 2m }';

test('firing opens an incident, notifies step 0, escalates after D unless acked, repeats', () => {
  const h = harness(DOWN);
  h.event(0, { host: 'a', status: 'down' });
  h.clock.advance(10_000);
  const [incident] = h.core.book.list({});
  assert.equal(incident!.state, 'firing');
  assert.equal(incident!.summary, 'a is down');
  assert.deepEqual(h.queued(), ['10000 inc-1/firing/0/chat']);
  h.clock.advance(10_000 + 2 * 60_000);
  assert.deepEqual(h.queued(), ['10000 inc-1/firing/0/chat', '130000 inc-1/repeat-1/0/chat']);
  h.clock.advance(10_000 + 5 * 60_000);
  assert.ok(h.queued().includes('310000 inc-1/escalation/1/pager'));
  assert.ok(h.kinds().includes('310000 escalated inc-1'));
});

test('an acknowledged incident neither escalates nor repeats; resolve tells the channels that heard it', () => {
  const h = harness(DOWN);
  h.event(0, { host: 'a', status: 'down' });
  h.clock.advance(10_000);
  h.at(60_000, { t: 'ack', id: 'inc-1', by: 'alice', text: 'looking' });
  h.clock.advance(3_600_000);
  assert.deepEqual(h.queued(), ['10000 inc-1/firing/0/chat']);
  h.event(3_600_000, { host: 'a', status: 'up' });
  assert.deepEqual(h.queued(), ['10000 inc-1/firing/0/chat', '3600000 inc-1/resolved/chat']);
  assert.deepEqual(h.kinds(), ['0 pending', '10000 firing inc-1', '60000 acked inc-1', '3600000 resolved inc-1']);
  const inc = h.core.book.get('inc-1')!;
  assert.equal(inc.state, 'resolved');
  assert.equal(inc.ackedBy, 'alice');
});

test('delivery results land on the timeline; a sent key is never queued again', () => {
  const h = harness(DOWN);
  h.event(0, { host: 'a', status: 'down' });
  h.clock.advance(10_000);
  h.at(11_000, { t: 'delivery', result: { channel: 'chat', keys: ['inc-1/firing/0/chat'], ok: false, attempt: 1, reason: 'http_server_error', final: false } });
  h.at(12_000, { t: 'delivery', result: { channel: 'chat', keys: ['inc-1/firing/0/chat'], ok: true, attempt: 2 } });
  assert.deepEqual(h.queued(), []);
  assert.equal(h.core.notifier.outbox.isSent('inc-1/firing/0/chat'), true);
  const entries = h.core.book.entriesOf(h.core.book.get('inc-1')!);
  assert.deepEqual(entries.map((e) => e.kind), ['firing', 'notify_failed', 'notified']);
  assert.equal(entries[1]!.detail.reason, 'http_server_error');
});

test('an attempt recorded before a send marks its items, also across a snapshot; results and other items are unaffected', () => {
  const h = harness('rule r { when latest health by host is status == "down" notify chat }');
  h.event(1000, { host: 'a', status: 'down' });
  h.event(1000, { host: 'b', status: 'down' });
  h.at(2000, { t: 'attempt', channel: 'chat', keys: ['inc-1/firing/0/chat'], attempt: 1 });
  const outbox = h.core.notifier.outbox;
  assert.equal(outbox.get('inc-1/firing/0/chat')!.attempted, true);
  assert.equal(outbox.get('inc-2/firing/0/chat')!.attempted, undefined);
  // An attempt is not a result: nothing lands on the timeline and the item stays queued.
  assert.deepEqual(h.kinds(), ['1000 firing inc-1', '1000 firing inc-2']);
  const restored = harness('rule r { when latest health by host is status == "down" notify chat }');
  restored.core.restore(h.core.snapshot(), 2000);
  assert.equal(restored.core.notifier.outbox.get('inc-1/firing/0/chat')!.attempted, true);
  h.at(3000, { t: 'delivery', result: { channel: 'chat', keys: ['inc-1/firing/0/chat'], ok: true, attempt: 1 } });
  assert.equal(outbox.isSent('inc-1/firing/0/chat'), true);
  assert.deepEqual(h.queued(), ['1000 inc-2/firing/0/chat']);
});

test('a maintenance window mutes notifications; the alert goes out when the window closes if still firing', () => {
  const h = harness(`
rule r { when latest health by host is status == "down" notify chat }
maintenance nightly { match host == "a" from "1970-01-01T00:00:00Z" to "1970-01-01T00:10:00Z" }
`);
  h.event(1000, { host: 'a', status: 'down' });
  h.event(1000, { host: 'b', status: 'down' });
  assert.deepEqual(h.queued(), ['1000 inc-2/firing/0/chat']);
  assert.ok(h.kinds().includes('1000 silenced inc-1'));
  h.clock.advance(600_000);
  assert.deepEqual(h.queued(), ['1000 inc-2/firing/0/chat', '600000 inc-1/firing/0/chat']);
});

test('a silenced alert that was never notified gets no resolve; a notified one always does', () => {
  const h = harness('rule r { when latest health by host is status == "down" notify chat }');
  const silence = { id: 's1', matchers: [{ name: 'host', value: 'a', isRegex: false, isEqual: true }], startsAt: 0, endsAt: 1_000_000, createdBy: 'bob', comment: 'deploy', createdAt: 0, expiredAt: null };
  h.at(0, { t: 'silence', silence });
  h.event(1, { host: 'a', status: 'down' });
  h.event(2, { host: 'a', status: 'up' });
  assert.deepEqual(h.queued(), []);
  // b fires and is notified, then gets silenced: its resolve still goes out.
  h.event(3, { host: 'b', status: 'down' });
  h.at(4, { t: 'silence', silence: { ...silence, id: 's2', matchers: [{ name: 'host', value: 'b', isRegex: false, isEqual: true }] } });
  h.event(5, { host: 'b', status: 'up' });
  assert.deepEqual(h.queued(), ['3 inc-2/firing/0/chat', '5 inc-2/resolved/chat']);
});

test('inhibition holds an alert while a matching source fires, and releases it when the source resolves', () => {
  const h = harness(`
rule host_down { when latest health where check == "ping" by host is status == "down" notify pager }
rule web_down { when latest health where check == "web" by host is status == "down" notify chat }
inhibit host_hides_web { source rule == "host_down" target rule == "web_down" equal host }
`);
  h.event(0, { check: 'ping', host: 'a', status: 'down' });
  h.event(1, { check: 'web', host: 'a', status: 'down' });
  h.event(1, { check: 'web', host: 'b', status: 'down' });
  assert.deepEqual(h.queued(), ['0 inc-1/firing/0/pager', '1 inc-3/firing/0/chat']);
  assert.ok(h.kinds().includes('1 inhibited inc-2'));
  h.event(5, { check: 'ping', host: 'a', status: 'up' });
  assert.ok(h.queued().includes('5 inc-2/firing/0/chat'));
});

test('a channel batch gathers one rule\'s notifications within its window', () => {
  const h = harness('rule r { when latest health by host is status == "down" notify mail }');
  h.event(0, { host: 'a', status: 'down' });
  h.event(20_000, { host: 'b', status: 'down' });
  h.event(70_000, { host: 'c', status: 'down' });
  assert.deepEqual(h.queued(), ['60000 inc-1/firing/0/mail', '60000 inc-2/firing/0/mail', '130000 inc-3/firing/0/mail']);
});

test('alerts posted by Prometheus keep their labels verbatim and resolve at endsAt', () => {
  const h = harness('', { externalChannels: ['chat'] });
  h.at(1000, { t: 'alerts', alerts: [{ labels: { alertname: 'DiskFull', instance: 'db1', severity: 'critical' }, annotations: { summary: 'disk full' }, endsAt: 61_000 }] });
  const [inc] = h.core.book.list({});
  assert.equal(inc!.rule, 'DiskFull');
  assert.deepEqual(inc!.labels, { alertname: 'DiskFull', instance: 'db1', severity: 'critical' });
  assert.equal(inc!.summary, 'disk full');
  h.at(30_000, { t: 'alerts', alerts: [{ labels: { alertname: 'DiskFull', instance: 'db1', severity: 'critical' }, endsAt: 90_000 }] });
  h.clock.advance(89_999);
  assert.equal(h.core.book.get('inc-1')!.state, 'firing');
  h.clock.advance(90_000);
  assert.equal(h.core.book.get('inc-1')!.state, 'resolved');
  assert.deepEqual(h.queued(), ['1000 inc-1/firing/0/chat', '90000 inc-1/resolved/chat']);
});

test('a posted alert named like a rule, with the same labels, never resolves nor shares the rule\'s incident', () => {
  const h = harness(DOWN, { externalChannels: ['chat'] });
  h.event(0, { host: 'a', status: 'down' });
  h.clock.advance(10_000);
  const ruleIncident = h.core.book.list({})[0]!;
  assert.equal(ruleIncident.state, 'firing');
  // The rule's own labels, posted as an alert that has already ended.
  const labels = { alertname: 'down', ...ruleIncident.labels };
  h.at(11_000, { t: 'alerts', alerts: [{ labels, startsAt: 5_000, endsAt: 11_000 }] });
  h.at(12_000, { t: 'alerts', alerts: [{ labels, startsAt: 12_000 }] });
  h.event(13_000, { host: 'a', status: 'down' });
  assert.equal(h.core.book.get(ruleIncident.id)!.state, 'firing');
  const others = h.core.book.list({}).filter((i) => i.id !== ruleIncident.id);
  assert.ok(others.length >= 1, 'the posted alert has an incident of its own');
  for (const other of others) assert.notEqual(other.fingerprint, ruleIncident.fingerprint);
});

test('a snapshot restored into a fresh core continues exactly: timers, incidents, outbox', () => {
  const a = harness(DOWN);
  a.event(0, { host: 'a', status: 'down' });
  a.clock.advance(5000);
  const snap = JSON.parse(JSON.stringify(a.core.snapshot()));
  a.clock.advance(400_000);

  const set = compile(DOWN);
  const b = new Core({
    start: 5000,
    rules: { rules: set.rules, policies: set.policies },
    externalChannels: [],
    incidentUrl: (id) => `http://vigil.test/v1/incidents/${id}`,
    maxGroupsPerRule: 1000,
  });
  b.restore(snap, 5000);
  b.start();
  b.advance(400_000);
  assert.deepEqual(
    b.book.entries({ limit: 1000 }).map((e) => `${e.time} ${e.kind}`),
    a.core.book.entries({ limit: 1000 }).map((e) => `${e.time} ${e.kind}`),
  );
  assert.deepEqual(b.notifier.outbox.due(Infinity).map((i) => i.key), a.core.notifier.outbox.due(Infinity).map((i) => i.key));
});

test('reload keeps the group state of unchanged rules and drops that of changed ones', () => {
  const h = harness(DOWN + '\nrule other { when count of logs over 1h > 1 }');
  h.event(0, { host: 'a', status: 'down' });
  h.at(1, { t: 'events', events: [{ stream: 'logs', time: 1 }] } as InputBody);
  const set = compile(DOWN + '\nrule other { when count of logs over 1h > 5 }');
  const kept = h.core.reload({ rules: set.rules, policies: set.policies });
  assert.deepEqual(kept, ['down']);
  h.clock.advance(10_000);
  assert.equal(h.core.book.list({})[0]?.rule, 'down');
});
