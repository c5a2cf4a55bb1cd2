import assert from 'node:assert/strict';
import { test } from 'node:test';
import { absentCondition } from '../../engine/conditions/absent.js';
import { changedCondition } from '../../engine/conditions/changed.js';
import { latestCondition } from '../../engine/conditions/latest.js';
import { occursCondition } from '../../engine/conditions/occurs.js';
import { sequenceAbsentCondition } from '../../engine/conditions/sequence-absent.js';
import { sequenceCondition } from '../../engine/conditions/sequence.js';
import { Replay } from '../../engine/replay.js';
import { ruleSpec, run } from '../support/rule-spec.js';

test('occurs holds from a matching event until quiet passes without one', () => {
  const rule = ruleSpec({ condition: occursCondition({ quietMs: 1000 }) });
  assert.deepEqual(run([rule], [{ time: 0 }, { time: 500 }, { time: 1499 }], { end: 5000 }), ['0 firing', '2499 resolved']);
});

test('occurs with for: pending at t0, firing at t0 + for, inactive when quiet ends it first', () => {
  const rule = ruleSpec({ condition: occursCondition({ quietMs: 1000 }), forMs: 2000 });
  assert.deepEqual(run([rule], [{ time: 0 }, { time: 900 }], { end: 10_000 }), ['0 pending', '1900 inactive']);
  assert.deepEqual(run([rule], [{ time: 0 }, { time: 900 }, { time: 1800 }, { time: 2700 }], { end: 10_000 }), [
    '0 pending',
    '2000 firing',
    '3700 resolved',
  ]);
});

test('a for deadline and an event at the same millisecond: the timer goes first', () => {
  const rule = ruleSpec({ condition: latestCondition({ is: (e) => e.status === 'down' }), forMs: 30_000 });
  assert.deepEqual(
    run([rule], [
      { time: 0, status: 'down' },
      { time: 30_000, status: 'up' },
    ]),
    ['0 pending', '30000 firing', '30000 resolved'],
  );
});

test('keep holds the alert after the condition stops, unless it holds again', () => {
  const rule = ruleSpec({ condition: latestCondition({ is: (e) => e.status === 'down' }), keepMs: 10_000 });
  const events = [
    { time: 0, status: 'down' },
    { time: 1000, status: 'up' },
    { time: 5000, status: 'down' },
    { time: 6000, status: 'up' },
  ];
  assert.deepEqual(run([rule], events, { end: 60_000 }), ['0 firing', '16000 resolved']);
});

test('latest is per group', () => {
  const rule = ruleSpec({ condition: latestCondition({ is: (e) => e.status === 'down' }), by: ['host'] });
  const events = [
    { time: 0, host: 'a', status: 'down' },
    { time: 1, host: 'b', status: 'up' },
    { time: 2, host: 'b', status: 'down' },
    { time: 3, host: 'a', status: 'up' },
  ];
  assert.deepEqual(run([rule], events), ['0 firing host=a', '2 firing host=b', '3 resolved host=a']);
});

test('absent without by counts from the start; a match stops it', () => {
  const rule = ruleSpec({ condition: absentCondition({ forMs: 5000 }), startsAtStart: true, match: (e) => e.kind === 'api' });
  const events = [
    { time: 1000, kind: 'other' },
    { time: 7000, kind: 'api' },
  ];
  assert.deepEqual(run([rule], events, { start: 0, end: 13_000 }), ['5000 firing', '7000 resolved', '12000 firing']);
});

test('absent with by watches each group already seen', () => {
  const rule = ruleSpec({ condition: absentCondition({ forMs: 1000 }), by: ['host'] });
  const events = [
    { time: 0, host: 'a' },
    { time: 500, host: 'b' },
    { time: 900, host: 'a' },
  ];
  assert.deepEqual(run([rule], events, { end: 2000 }), ['1500 firing host=b', '1900 firing host=a']);
});

test('then: a second event within D of a first one', () => {
  const rule = ruleSpec({
    condition: sequenceCondition({ withinMs: 1000, quietMs: 5000 }),
    match: (e) => e.kind === 'deploy',
    second: (e) => e.kind === 'error',
  });
  const events = [
    { time: 0, kind: 'error' },
    { time: 100, kind: 'deploy' },
    { time: 1101, kind: 'error' },
    { time: 2000, kind: 'deploy' },
    { time: 3000, kind: 'error' },
  ];
  assert.deepEqual(run([rule], events, { end: 20_000 }), ['3000 firing', '8000 resolved']);
});

test('then not: fires at first + D when no second event came', () => {
  const rule = ruleSpec({
    condition: sequenceAbsentCondition({ withinMs: 1000, quietMs: 2000 }),
    match: (e) => e.kind === 'start',
    second: (e) => e.kind === 'done',
  });
  const events = [
    { time: 0, kind: 'start' },
    { time: 500, kind: 'done' },
    { time: 3000, kind: 'start' },
    { time: 3500, kind: 'start' },
  ];
  assert.deepEqual(run([rule], events, { end: 10_000 }), ['4000 firing', '6000 resolved']);
});

test('changed: the first value never fires; a different one does', () => {
  const rule = ruleSpec({ condition: changedCondition({ field: (e) => e.version, quietMs: 1000 }), by: ['host'] });
  const events = [
    { time: 0, host: 'a', version: '1' },
    { time: 10, host: 'a', version: '1' },
    { time: 20, host: 'a' },
    { time: 30, host: 'a', version: '2' },
  ];
  assert.deepEqual(run([rule], events, { end: 5000 }), ['30 firing host=a', '1030 resolved host=a']);
});

test('late events are skipped and reported', () => {
  const rule = ruleSpec({ condition: occursCondition({ quietMs: 1000 }) });
  const late: [number, number, number][] = [];
  const changes: string[] = [];
  const replay = new Replay({
    rules: [rule],
    onChange: (c) => changes.push(`${c.time} ${c.state}`),
    onLate: (index, event, clock) => late.push([index, event.time, clock]),
  });
  assert.equal(replay.push({ stream: 'logs', time: 100 }), true);
  assert.equal(replay.push({ stream: 'logs', time: 50 }), false);
  assert.equal(replay.push({ stream: 'logs', time: 100 }), true);
  replay.finish();
  assert.deepEqual(late, [[1, 50, 100]]);
  assert.deepEqual(changes, ['100 firing']);
});
