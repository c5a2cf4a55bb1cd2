import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runVigil, tempFiles } from '../support/cli.js';

const RULES = {
  'a.vigil': [
    'rule down { when latest health where check == "web" by host is status == "down" }',
    'rule burst { when count of logs where level == "error" over 1m > 50 }',
    '',
  ].join('\n'),
};

test('vigil check --cluster flags a rule whose inputs cannot meet on one partition and exits 1', async () => {
  const dir = await tempFiles(RULES);
  const r = await runVigil(['check', '--cluster', dir]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /rule burst has no by, but events are partitioned by host/);
  assert.doesNotMatch(r.stdout, /rule down/);
});

test('vigil check --cluster --partition-by names the fields; without --cluster the same rules pass', async () => {
  const dir = await tempFiles(RULES);
  const r = await runVigil(['check', '--cluster', '--partition-by', 'service', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /rule down groups by host, but events are partitioned by service/);
  const plain = await runVigil(['check', dir]);
  assert.equal(plain.code, 0, plain.stdout);
});
