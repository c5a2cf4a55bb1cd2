import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runVigil, tempFiles } from '../support/cli.js';

test('vigil test passes every shipped example test', async () => {
  const r = await runVigil(['test', 'rules/examples']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines.at(-1)!, /^(\d+) passed, 0 failed$/);
  assert.ok(Number(lines.at(-1)!.split(' ')[0]) >= 6);
});

test('a failing test prints expected and actual side by side and exits 1', async () => {
  const dir = await tempFiles({
    'r.vigil': 'rule down { when latest health by host is status == "down" for 30s }\n',
    'down.test.yaml': [
      'start: 2026-01-01T00:00:00Z',
      'events:',
      '  - at: 0s',
      '    event: {stream: health, host: web1, status: down}',
      'end: 1m',
      'expect:',
      '  - {at: 20s, rule: down, state: firing, labels: {host: web1}}',
      '',
    ].join('\n'),
    'ok.test.yaml': [
      'events:',
      '  - at: 0s',
      '    event: {stream: health, host: web1, status: down}',
      '  - at: 45s',
      '    event: {stream: health, host: web1, status: up}',
      'expect:',
      '  - {at: 30s, rule: down, state: firing}',
      '  - {at: 45s, rule: down, state: resolved, labels: {host: web1}}',
      '',
    ].join('\n'),
  });
  const r = await runVigil(['test', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /FAIL .*down\.test\.yaml/);
  assert.match(r.stdout, /ok {3}.*ok\.test\.yaml/);
  assert.match(r.stdout, /expected\s+\| actual/);
  assert.match(r.stdout, /! 20s down firing \{host=web1\}\s+\| 30s down firing \{host=web1\}/);
  assert.match(r.stdout, /1 passed, 1 failed\n$/);
});

test('a malformed test file fails with a reason and the others still run', async () => {
  const dir = await tempFiles({
    'r.vigil': 'rule any { when logs }\n',
    'a.test.yaml': 'events: []\nexpect: []\nsurprise: 1\n',
    'b.test.yaml': 'events:\n  - at: soon\n    event: {stream: logs}\nexpect: []\n',
    'c.test.yaml': 'events: [\n',
    'd.test.yaml': 'events:\n  - at: 1s\n    event: {stream: logs}\nexpect:\n  - {at: 1s, rule: any, state: firing}\n',
  });
  const r = await runVigil(['test', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /surprise/);
  assert.match(r.stdout, /"soon" is not a duration/);
  assert.match(r.stdout, /1 passed, 3 failed\n$/);
  assert.doesNotMatch(r.stdout + r.stderr, /at .*\.js:\d+/);
});

test('every: entries that would make more than 1,000,000 events fail before anything is allocated, naming the file and entry', async () => {
  const dir = await tempFiles({
    'r.vigil': 'rule any { when logs }\n',
    'year.test.yaml': 'events:\n  - at: 0s\n    event: {stream: logs}\n  - every: 1ms\n    from: 0s\n    until: 365d\n    event: {stream: logs}\nexpect: []\n',
    'ok.test.yaml': 'events:\n  - every: 1s\n    from: 0s\n    until: 10s\n    event: {stream: logs}\nexpect:\n  - {at: 0s, rule: any, state: firing}\n',
  });
  const r = await runVigil(['test', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /year\.test\.yaml: events\[1\]: every 1ms from 0ms until 31536000000ms makes 31,536,000,001 events; a test file may make at most 1,000,000/);
  assert.match(r.stdout, /ok   .*ok\.test\.yaml/);
  assert.match(r.stdout, /1 passed, 1 failed\n$/);
});
