import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runVigil, tempFiles } from '../support/cli.js';

/** Every command: 2 for usage errors (bad or missing flags, a path that cannot be read), with the usage on stderr. */
test('usage errors exit 2 for every command, with the usage on standard error', async () => {
  const cases: string[][] = [
    [],
    ['nonsense'],
    ['check'],
    ['check', 'no/such/dir'],
    ['check', '--bogus'],
    ['test'],
    ['test', 'no/such/dir'],
    ['fmt'],
    ['fmt', 'no/such/dir'],
    ['fmt', '--check'],
    ['replay', '--rules', 'rules/examples'],
    ['replay', '--rules', 'no/such/dir', '--events', '-'],
    ['replay', '--rules', 'rules/examples', '--events', 'no/such/file.ndjson'],
    ['replay', '--rules', 'rules/examples', '--events', '-', '--end', 'soon'],
    ['replay', '--bogus'],
    ['backtest', '--rules', 'rules/examples'],
    ['backtest', '--rules', 'no/such/dir', '--since', '1h', '--questdb', 'http::addr=127.0.0.1:1'],
    ['run', '--bogus'],
    ['run', '--config', 'no/such/vigil.yaml'],
  ];
  for (const args of cases) {
    const r = await runVigil(args);
    assert.equal(r.code, 2, `vigil ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /usage: vigil/, `vigil ${args.join(' ')}`);
    assert.equal(r.stdout, '', `vigil ${args.join(' ')}`);
  }
});

test('problems found exit 1; help and clean runs exit 0', async () => {
  const broken = await tempFiles({ 'a.vigil': 'rule x { when logs where }\n' });
  assert.equal((await runVigil(['check', broken])).code, 1);
  assert.equal((await runVigil(['fmt', broken])).code, 1);
  assert.equal((await runVigil(['replay', '--rules', broken, '--events', '-'])).code, 1);
  const failing = await tempFiles({ 'r.vigil': 'rule any { when logs }\n', 'a.test.yaml': 'events: []\nexpect:\n  - {at: 1s, rule: any, state: firing}\n' });
  assert.equal((await runVigil(['test', failing])).code, 1);
  const help = await runVigil(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /exit status: 0 ok; 1 problems found/);
  assert.equal((await runVigil(['check', 'rules/examples'])).code, 0);
});
