import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { runVigil, tempFiles } from '../support/cli.js';

const MESSY = `# team: ops
rule   cpu_hot{when avg(value) of metrics where name=="cpu_percent" over 300s by host>90 clear <80
for 120s # two minutes
severity critical}
channel chat webhook {url "http://127.0.0.1:1/x"}
`;

test('fmt --check reports files that would change, fmt rewrites them, comments kept', async () => {
  const dir = await tempFiles({ 'a.vigil': MESSY });
  const file = path.join(dir, 'a.vigil');
  const before = await runVigil(['fmt', dir, '--check']);
  assert.equal(before.code, 1);
  assert.equal(before.stdout.trim(), file);
  assert.equal(await readFile(file, 'utf8'), MESSY, '--check changes nothing');

  const write = await runVigil(['fmt', dir]);
  assert.equal(write.code, 0, write.stderr);
  const out = await readFile(file, 'utf8');
  assert.notEqual(out, MESSY);
  assert.match(out, /# team: ops/);
  assert.match(out, /# two minutes/);
  assert.match(out, /over 5m by host > 90 clear < 80/);
  assert.match(out, /\n {2}for 2m/);

  const after = await runVigil(['fmt', dir, '--check']);
  assert.equal(after.code, 0, after.stdout);
  const check = await runVigil(['check', dir]);
  assert.equal(check.code, 0, check.stdout);
});

test('fmt leaves a file that does not parse alone and reports it', async () => {
  const broken = 'rule x { when logs where }\n';
  const dir = await tempFiles({ 'bad.vigil': broken });
  const r = await runVigil(['fmt', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad\.vigil:1:\d+: /);
  assert.equal(await readFile(path.join(dir, 'bad.vigil'), 'utf8'), broken);
});

test('the shipped examples are already in canonical form', async () => {
  const r = await runVigil(['fmt', 'rules/examples', '--check']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});
