import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertChange } from '../../engine/model/alert-change.js';
import { Replay } from '../../engine/replay.js';
import { checkRuleSet } from '../../rules/check.js';
import { compileRuleSet } from '../../rules/compile.js';
import { parseRuleFile } from '../../rules/parse.js';

/** Compiles rule source, replays events (time in ms) and returns `time rule state [labels] [value]`. */
function replay(source: string, events: Array<Record<string, unknown> & { time: number }>, options: { start?: number; end?: number } = {}): string[] {
  const { ast, diagnostics } = parseRuleFile('t.vigil', source);
  const files = [{ file: 't.vigil', ast }];
  assert.deepEqual([...diagnostics, ...checkRuleSet(files)], []);
  const changes: AlertChange[] = [];
  const r = new Replay({ rules: compileRuleSet(files).rules, start: options.start, onChange: (c) => changes.push(c) });
  for (const e of events) r.push({ stream: 'logs', ...e });
  r.finish(options.end);
  return changes.map((c) => {
    const group = Object.entries(c.labels)
      .filter(([k]) => k !== 'rule' && k !== 'severity')
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    return [c.time, c.rule, c.state, group, c.value === null ? '' : String(c.value)].filter((x) => x !== '').join(' ');
  });
}

test('a window over D holds (T - D, T]: an event at t counts until t + D - 1, not at t + D', () => {
  const rule = 'rule r { when count of logs over 1s > 0 }';
  assert.deepEqual(replay(rule, [{ time: 1000 }], { end: 1999 }), ['1000 r firing 1']);
  assert.deepEqual(replay(rule, [{ time: 1000 }], { end: 2000 }), ['1000 r firing 1', '2000 r resolved 0']);
});

test('an event stamped exactly when an older one leaves: the timer goes first, then the event', () => {
  // At T = 2000 the event at 1000 leaves (count 1 -> 0, resolved) before the new one arrives.
  const rule = 'rule r { when count of logs over 1s > 0 }';
  assert.deepEqual(replay(rule, [{ time: 1000 }, { time: 2000 }]), ['1000 r firing 1', '2000 r resolved 0', '2000 r firing 1']);
});

test('for: pending at t0, firing at t0 + for exactly; a stop 1ms earlier makes it inactive', () => {
  const rule = 'rule r { when latest health by host is status == "down" for 30s }';
  const down = { stream: 'health', host: 'a', status: 'down' };
  assert.deepEqual(replay(rule, [{ ...down, time: 0 }], { end: 29_999 }), ['0 r pending host=a']);
  assert.deepEqual(replay(rule, [{ ...down, time: 0 }], { end: 30_000 }), ['0 r pending host=a', '30000 r firing host=a']);
  assert.deepEqual(replay(rule, [{ ...down, time: 0 }, { ...down, status: 'up', time: 29_999 }], { end: 60_000 }), [
    '0 r pending host=a',
    '29999 r inactive host=a',
  ]);
});

test('keep: resolves at stop + keep unless it holds again in between', () => {
  const rule = 'rule r { when latest health is status == "down" keep 10s }';
  const events = [
    { stream: 'health', status: 'down', time: 0 },
    { stream: 'health', status: 'up', time: 1000 },
  ];
  assert.deepEqual(replay(rule, events, { end: 10_999 }), ['0 r firing']);
  assert.deepEqual(replay(rule, events, { end: 11_000 }), ['0 r firing', '11000 r resolved']);
  const back = [...events, { stream: 'health', status: 'down', time: 10_999 }, { stream: 'health', status: 'up', time: 12_000 }];
  assert.deepEqual(replay(rule, back, { end: 30_000 }), ['0 r firing', '22000 r resolved']);
});

test('for and keep together', () => {
  const rule = 'rule r { when count of logs over 10s >= 2 for 5s keep 3s }';
  const events = [{ time: 0 }, { time: 1000 }, { time: 9000 }];
  // holds from 1000 (2 events) until 10000 (the event at 0 leaves; 1000 and 9000 remain: still 2)
  // until 11000 (the event at 1000 leaves): pending 1000, firing 6000, stops 11000, resolved 14000.
  assert.deepEqual(replay(rule, events, { end: 60_000 }), ['1000 r pending 2', '6000 r firing 2', '14000 r resolved 1']);
});

test('absent without by counts from the start; with by, from each group\'s last event', () => {
  const rule = 'rule quiet_api { when absent logs where path =~ "^/api/" for 5m }';
  assert.deepEqual(replay(rule, [{ path: '/public', time: 60_000 }], { start: 0, end: 299_999 }), []);
  assert.deepEqual(replay(rule, [{ path: '/public', time: 60_000 }], { start: 0, end: 300_000 }), ['300000 quiet_api firing']);
  const byHost = 'rule h { when absent health for 1m by host }';
  const events = [
    { stream: 'health', host: 'a', time: 0 },
    { stream: 'health', host: 'b', time: 30_000 },
    { stream: 'health', host: 'a', time: 70_000 },
  ];
  assert.deepEqual(replay(byHost, events, { end: 100_000 }), ['60000 h firing host=a', '70000 h resolved host=a', '90000 h firing host=b']);
});

test('clear gives hysteresis: once firing, the alert stops only when the clear comparison holds', () => {
  const rule = 'rule hot { when max(value) of metrics over 1m > 90 clear < 50 }';
  const events = [95, 80, 60, 40].map((value, i) => ({ stream: 'metrics', value, time: i * 60_000 }));
  // 95 fires at 0; at 60s 95 leaves and 80 is the max: above 50, still firing; 60 still; 40 clears.
  assert.deepEqual(replay(rule, events), ['0 hot firing 95', '180000 hot resolved 40']);
});

test('labels and severity: by fields, the rule labels rendered from them, rule and severity', () => {
  const { ast } = parseRuleFile('t.vigil', 'rule r { when logs where level == "error" by service, labels.env severity critical labels { team = "ops", where = "{service}/{labels.env}" } }');
  const changes: AlertChange[] = [];
  const r = new Replay({ rules: compileRuleSet([{ file: 't.vigil', ast }]).rules, onChange: (c) => changes.push(c) });
  r.push({ stream: 'logs', level: 'error', service: 'api', labels: { env: 'prod' }, time: 5 });
  r.finish();
  assert.deepEqual(changes[0]!.labels, { 'labels.env': 'prod', rule: 'r', service: 'api', severity: 'critical', team: 'ops', where: 'api/prod' });
  assert.deepEqual(Object.keys(changes[0]!.labels), ['labels.env', 'rule', 'service', 'severity', 'team', 'where']);
});

test('events without the by field form their own group without that label', () => {
  const rule = 'rule r { when logs where level == "error" by host quiet 1s }';
  assert.deepEqual(replay(rule, [{ level: 'error', time: 0 }, { level: 'error', host: 'x', time: 1 }], { end: 5000 }), [
    '0 r firing',
    '1 r firing host=x',
    '1000 r resolved',
    '1001 r resolved host=x',
  ]);
});

test('numeric aggregates skip missing and non-numeric values; numeric strings count', () => {
  const rule = 'rule s { when sum(value) of metrics over 1m > 10 }';
  const events = [
    { stream: 'metrics', value: 'abc', time: 0 },
    { stream: 'metrics', time: 1 },
    { stream: 'metrics', value: '6', time: 2 },
    { stream: 'metrics', value: 5, time: 3 },
  ];
  assert.deepEqual(replay(rule, events), ['3 s firing 11']);
});

test('then, then not and changed keep their own timing', () => {
  const seq = 'rule s { when deploys then logs where level == "error" within 1m by service quiet 2m }';
  const events = [
    { stream: 'deploys', service: 'api', time: 0 },
    { stream: 'logs', service: 'api', level: 'error', time: 60_000 },
    { stream: 'logs', service: 'web', level: 'error', time: 60_000 },
  ];
  assert.deepEqual(replay(seq, events, { end: 1_000_000 }), ['60000 s firing service=api', '180000 s resolved service=api']);

  const missing = 'rule m { when logs where msg == "start" then not logs where msg == "done" within 10s by job quiet 1s }';
  const jobs = [
    { msg: 'start', job: 'a', time: 0 },
    { msg: 'start', job: 'b', time: 0 },
    { msg: 'done', job: 'b', time: 10_000 },
  ];
  // b's done comes at the deadline itself: the timer fires first, so b fires too.
  assert.deepEqual(replay(missing, jobs, { end: 60_000 }), ['10000 m firing job=a', '10000 m firing job=b', '11000 m resolved job=a', '11000 m resolved job=b']);

  const changed = 'rule c { when changed status of health by host quiet 10s }';
  const flips = [
    { stream: 'health', host: 'a', status: 'up', time: 0 },
    { stream: 'health', host: 'a', status: 'down', time: 5000 },
    { stream: 'health', host: 'a', status: 'up', time: 12_000 },
  ];
  assert.deepEqual(replay(changed, flips, { end: 60_000 }), ['5000 c firing host=a', '22000 c resolved host=a']);
});
