import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHANNELS, iso, RULES, startApi } from './api-harness.js';

async function scenario() {
  const h = await startApi();
  h.event(0, { host: 'a', status: 'down' });
  h.event(1000, { host: 'b', status: 'down' });
  h.event(2000, { host: 'c', status: 'slow' });
  return h;
}

test('the rule list gives each rule its severity, timing, group count and firing/pending counts', async () => {
  const h = await scenario();
  const res = await h.inject({ url: '/v1/rules' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {
    rules: [
      // Every host seen on the stream is a group of each rule, firing or not.
      { name: 'down', where: 'rules.vigil:2', severity: 'critical', forMs: 0, keepMs: 0, groupCount: 3, firing: 2, pending: 0 },
      { name: 'slow', where: 'rules.vigil:3', severity: 'warning', forMs: 10_000, keepMs: 0, groupCount: 3, firing: 0, pending: 1 },
    ],
  });
  await h.close();
});

test('one rule comes with its text, streams and per-group state', async () => {
  const h = await scenario();
  const down = (await h.inject({ url: '/v1/rules/down' })).json();
  assert.equal(down.name, 'down');
  assert.deepEqual(down.streams, ['health']);
  assert.match(down.text, /rule down/);
  assert.equal(down.truncated, false);
  assert.deepEqual(down.groups, [
    { labels: { host: 'a', rule: 'down', severity: 'critical' }, phase: 'firing', since: iso(0), holds: true, value: null },
    { labels: { host: 'b', rule: 'down', severity: 'critical' }, phase: 'firing', since: iso(1000), holds: true, value: null },
    { labels: { host: 'c', rule: 'down', severity: 'critical' }, phase: 'inactive', since: iso(2000), holds: false, value: null },
  ]);

  const pending = (await h.inject({ url: '/v1/rules/slow?phase=pending' })).json();
  assert.deepEqual(
    pending.groups.map((g: { labels: { host: string }; phase: string; since: string }) => [g.labels.host, g.phase, g.since]),
    [['c', 'pending', iso(2000)]],
  );
  assert.deepEqual((await h.inject({ url: '/v1/rules/slow?phase=firing' })).json().groups, []);
  const one = (await h.inject({ url: '/v1/rules/down?limit=1' })).json();
  assert.equal(one.groups.length, 1);
  assert.equal(one.truncated, true);
  assert.equal(one.groupCount, 3);

  assert.equal((await h.inject({ url: '/v1/rules/nope' })).statusCode, 404);
  assert.match((await h.inject({ url: '/v1/rules/down?phase=burning' })).json().error, /querystring\.phase must be one of/);
  await h.close();
});

test('a reload that compiles swaps the rules and keeps the state of unchanged ones', async () => {
  const h = await scenario();
  h.rules =
    CHANNELS +
    'rule down { when latest health by host is status == "down" severity critical summary "{host} is down" notify chat }\n' +
    'rule slow { when latest health by host is status == "slow" for 20s }\n' +
    'rule gone { when latest health by host is status == "gone" }\n';
  const res = await h.inject({ method: 'POST', url: '/v1/rules/reload' });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { ok: true, rules: 3, kept: ['down'] });
  const rules = (await h.inject({ url: '/v1/rules' })).json().rules;
  assert.deepEqual(
    rules.map((r: { name: string; groupCount: number; forMs: number }) => [r.name, r.groupCount, r.forMs]),
    [
      ['down', 3, 0],
      ['slow', 0, 20_000],
      ['gone', 0, 0],
    ],
  );
  await h.close();
});

test('a reload that does not compile is refused with its diagnostics and the running rules stay', async () => {
  const h = await scenario();
  h.rules = RULES + 'rule broken { when latest health by host is status == }\nrule late { when latest health is up == true notify nowhere }\n';
  const res = await h.inject({ method: 'POST', url: '/v1/rules/reload', payload: {} });
  assert.equal(res.statusCode, 422);
  const body = res.json();
  assert.equal(body.ok, false);
  assert.ok(body.diagnostics.length >= 1);
  for (const d of body.diagnostics) assert.match(d, /^rules\.vigil:\d+:\d+: \S/);
  assert.deepEqual(
    (await h.inject({ url: '/v1/rules' })).json().rules.map((r: { name: string }) => r.name),
    ['down', 'slow'],
  );
  assert.equal((await h.inject({ url: '/v1/rules/down' })).json().firing, 2);
  // Reload takes no parameters.
  assert.match((await h.inject({ method: 'POST', url: '/v1/rules/reload', payload: { force: true } })).json().error, /unknown property "force"/);
  await h.close();
});

test('an unexpected failure is a 500 that shows no internals', async () => {
  const h = await startApi({
    reload: async () => {
      throw new Error('EACCES: /secret/rules/x.vigil');
    },
  });
  const res = await h.inject({ method: 'POST', url: '/v1/rules/reload' });
  assert.equal(res.statusCode, 500);
  assert.deepEqual(res.json(), { error: 'internal error', code: 'VIGIL_INTERNAL' });
  await h.close();
});
