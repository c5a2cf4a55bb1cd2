import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHANNELS, startApi } from './api-harness.js';

const RULES =
  CHANNELS +
  'rule down { when latest health by host is status == "down" run fix notify chat }\n' +
  'playbook fix { approve step exec ["true"] }\n' +
  'playbook manual_fix { step exec ["true", "{host}"] }\n';

test('playbook runs: list, approve, manual runs, the pause switch', async () => {
  const h = await startApi({ rules: RULES, tokens: [{ token: 'w', role: 'write', name: 'alice' }, { token: 'a', role: 'admin', name: 'root' }] });
  const write = { authorization: 'Bearer w' };
  try {
    h.event(0, { stream: 'health', host: 'web1', status: 'down' });
    const list = await h.inject({ method: 'GET', url: '/v1/playbooks/runs', headers: write });
    assert.equal(list.statusCode, 200);
    const [run] = list.json().runs;
    assert.equal(run.state, 'awaiting_approval');
    assert.equal(run.incident, 'inc-1');

    const approve = await h.inject({ method: 'POST', url: `/v1/playbooks/runs/${run.id}/approve`, headers: write, payload: {} });
    assert.equal(approve.statusCode, 200);
    assert.equal(approve.json().state, 'running');
    assert.equal(approve.json().approvedBy, 'alice');
    assert.equal((await h.inject({ method: 'POST', url: `/v1/playbooks/runs/${run.id}/approve`, headers: write, payload: {} })).statusCode, 409);
    assert.equal((await h.inject({ method: 'POST', url: '/v1/playbooks/runs/run-99/approve', headers: write, payload: {} })).statusCode, 404);

    const manual = await h.inject({ method: 'POST', url: '/v1/playbooks/manual_fix/run', headers: write, payload: { labels: { host: 'web2' } } });
    assert.equal(manual.statusCode, 200);
    assert.equal(manual.json().requestedBy, 'alice');
    assert.deepEqual(h.core.runner.dispatchable().find((d) => d.run.id === manual.json().id)?.step, { kind: 'exec', argv: ['true', 'web2'], timeoutMs: 60_000 });
    assert.equal((await h.inject({ method: 'POST', url: '/v1/playbooks/nope/run', headers: write, payload: {} })).statusCode, 404);

    assert.equal((await h.inject({ method: 'POST', url: '/v1/playbooks/pause', headers: write, payload: { paused: true } })).statusCode, 403);
    const pause = await h.inject({ method: 'POST', url: '/v1/playbooks/pause', headers: { authorization: 'Bearer a' }, payload: { paused: true } });
    assert.deepEqual(pause.json(), { paused: true });
    const skipped = await h.inject({ method: 'POST', url: '/v1/playbooks/manual_fix/run', headers: write, payload: { labels: { host: 'web3' } } });
    assert.equal(skipped.json().state, 'skipped');
    assert.ok(h.journal.some((i) => i.t === 'pause'));
  } finally {
    await h.close();
  }
});
