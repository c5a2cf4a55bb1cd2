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
  const admin = { authorization: 'Bearer a' };
  try {
    h.event(0, { stream: 'health', host: 'web1', status: 'down' });
    const list = await h.inject({ method: 'GET', url: '/v1/playbooks/runs', headers: write });
    assert.equal(list.statusCode, 200);
    const [run] = list.json().runs;
    assert.equal(run.state, 'awaiting_approval');
    assert.equal(run.incident, 'inc-1');

    // Approving and running by hand act on machines: they need the admin role.
    assert.equal((await h.inject({ method: 'POST', url: `/v1/playbooks/runs/${run.id}/approve`, headers: write, payload: {} })).statusCode, 403);
    const approve = await h.inject({ method: 'POST', url: `/v1/playbooks/runs/${run.id}/approve`, headers: admin, payload: {} });
    assert.equal(approve.statusCode, 200);
    assert.equal(approve.json().state, 'running');
    assert.equal(approve.json().approvedBy, 'root');
    const again = await h.inject({ method: 'POST', url: `/v1/playbooks/runs/${run.id}/approve`, headers: admin, payload: {} });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'VIGIL_RUN_NOT_WAITING');
    const unknown = await h.inject({ method: 'POST', url: '/v1/playbooks/runs/run-99/approve', headers: admin, payload: {} });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'VIGIL_NO_RUN');

    assert.equal((await h.inject({ method: 'POST', url: '/v1/playbooks/manual_fix/run', headers: write, payload: { labels: { host: 'web2' } } })).statusCode, 403);
    const manual = await h.inject({ method: 'POST', url: '/v1/playbooks/manual_fix/run', headers: admin, payload: { labels: { host: 'web2' } } });
    assert.equal(manual.statusCode, 200);
    assert.equal(manual.json().requestedBy, 'root');
    assert.deepEqual(h.core.runner.dispatchable().find((d) => d.run.id === manual.json().id)?.step, { kind: 'exec', argv: ['true', 'web2'], timeoutMs: 60_000 });
    const nope = await h.inject({ method: 'POST', url: '/v1/playbooks/nope/run', headers: admin, payload: {} });
    assert.equal(nope.statusCode, 404);
    assert.equal(nope.json().code, 'VIGIL_NO_PLAYBOOK');

    assert.equal((await h.inject({ method: 'POST', url: '/v1/playbooks/pause', headers: write, payload: { paused: true } })).statusCode, 403);
    const pause = await h.inject({ method: 'POST', url: '/v1/playbooks/pause', headers: { authorization: 'Bearer a' }, payload: { paused: true } });
    assert.deepEqual(pause.json(), { paused: true });
    const skipped = await h.inject({ method: 'POST', url: '/v1/playbooks/manual_fix/run', headers: admin, payload: { labels: { host: 'web3' } } });
    assert.equal(skipped.json().state, 'skipped');
    assert.ok(h.journal.some((i) => i.t === 'pause'));
  } finally {
    await h.close();
  }
});
