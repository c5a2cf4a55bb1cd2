import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { runVigil, tempFiles } from '../support/cli.js';

test('vigil check passes the shipped examples', async () => {
  const r = await runVigil(['check', 'rules/examples']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok: \d+ files, \d+ rules\n$/);
  assert.equal(r.stderr, '');
});

test('vigil check reports every problem as file:line:col and exits 1', async () => {
  const dir = await tempFiles({
    'a.vigil': [
      'channel chat webhook { url "http://127.0.0.1:1/x" }',
      'rule r1 {',
      '  when logs where message =~ "(" by host',
      '  notify pager',
      '}',
      '',
    ].join('\n'),
    'sub/b.vigil': [
      'rule r1 {',
      '  when count of logs over 0s > 3',
      '  run nothing',
      '}',
      'rule r2 { when latest health where check == $host is status == "down" }',
      'rule r3 { when avg(value) of metrics over 1m > "high" }',
      'channel hook webhook { url "http://127.0.0.1:1/y" secret env(VIGIL_TEST_UNSET_SECRET) }',
      '',
    ].join('\n'),
  });
  const r = await runVigil(['check', dir], { env: { ...process.env, VIGIL_TEST_UNSET_SECRET: undefined } });
  assert.equal(r.code, 1);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.pop(), '7 problems in 2 files');
  const at = lines.map((l) => l.slice(dir.length + 1).split(': ')[0]);
  assert.deepEqual(at, [
    'a.vigil:3:30', // regex does not compile
    'a.vigil:4:10', // unknown channel
    `sub${path.sep}b.vigil:1:6`, // duplicate rule name
    `sub${path.sep}b.vigil:2:27`, // duration out of range
    `sub${path.sep}b.vigil:3:7`, // unknown playbook
    `sub${path.sep}b.vigil:5:45`, // $label outside a playbook
    `sub${path.sep}b.vigil:6:48`, // aggregate compared with a string
    // 7: an unset env(...) secret is no check problem; `vigil run` refuses it at load (test/cli/sinks.test.ts).
  ]);
  assert.match(r.stdout, /duplicate rule name "r1"/);
});

test('vigil check reports syntax errors with what was expected, in several declarations', async () => {
  const dir = await tempFiles({
    'bad.vigil': ['rule a {', '  when logs where', '}', '', 'rule b {', '  when logs', '  severity huge', '}', ''].join('\n'),
  });
  const r = await runVigil(['check', dir]);
  assert.equal(r.code, 1);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.pop(), '2 problems in 1 file');
  assert.equal(lines.length, 2, r.stdout);
  assert.match(lines[0]!, /bad\.vigil:3:1: .*expected/);
  assert.match(lines[1]!, /bad\.vigil:7:12: /);
});

test('vigil check on a missing folder is a usage error, not a crash', async () => {
  const r = await runVigil(['check', 'no/such/folder']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^vigil check: cannot read no\/such\/folder: ENOENT\n/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
});

test('vigil check warns on field typos on stdout and still exits 0; test events count as sent', async () => {
  const dir = await tempFiles({
    'r.vigil': 'rule down {\n  when latest health where check == "web" by host is tatus == "down"\n}\nrule v { when changed build of health by host }\n',
    'r.test.yaml': 'events:\n  - at: 0s\n    event: {stream: health, check: web, host: a, status: up, build: "7"}\nexpect: []\n',
  });
  const r = await runVigil(['check', dir]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(lines, [
    `${path.join(dir, 'r.vigil')}:2:54: warning: field "tatus" is not sent on stream health (did you mean "status"?)`,
    'ok: 1 file, 2 rules, 1 warning',
  ]);
});
