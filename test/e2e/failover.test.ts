import assert from 'node:assert/strict';
import { access, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { failoverRules, runFailoverScript, startMariaDbPair, startTcpSwitch } from '../support/mariadb.js';
import { eventually, getJson, startVigilProcess, writeVigilFiles } from '../support/vigil-process.js';

test('database failover: vigil sees the primary die, fences it, promotes the replica, moves the front, and writes work again', async () => {
  const pair = await startMariaDbPair();
  const front = await startTcpSwitch(pair.primary.address);
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-failover-'));
  const fenceFile = path.join(dir, 'primary.fenced');
  const rules = await failoverRules({ primary: pair.primary.address, replica: pair.replica.address, front: front.address, api: front.api, fenceFile });
  const config = await writeVigilFiles(dir, 'rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\n', { 'failover.vigil': rules });
  const vigil = await startVigilProcess(dir, config);
  const write = () => runFailoverScript('write-check', ['--host', front.host, '--port', String(front.port), '--timeout-ms', '1000']);
  try {
    assert.equal((await write()).code, 0, 'writes work through the front before the kill');
    // vigil is up and has not seen a problem.
    await eventually(async () => {
      const r = await getJson(`${vigil.url}/v1/timeline?limit=10000`);
      return (r.json.entries as unknown[]).length === 0 && (await getJson(`${vigil.url}/v1/rules/db_primary_down`)).status === 200;
    }, 'vigil running');
    // Let the checks see healthy writes first: the write rule has its group, not holding.
    await eventually(async () => {
      const r = await getJson(`${vigil.url}/v1/rules/db_writes_failing`);
      return (r.json.groups as { holds: boolean }[] | undefined)?.some((g) => !g.holds) === true;
    }, 'a healthy write check seen');

    const killedAt = Date.now();
    await pair.primary.kill();
    const back = await eventually(async () => ((await write()).code === 0 ? Date.now() : undefined), 'a write through the front', 40_000);
    const failoverMs = back - killedAt;
    process.stdout.write(`# client writes worked again ${failoverMs} ms after the primary was killed\n`);
    assert.ok(failoverMs <= 30_000, `writes back within 30 s (${failoverMs} ms)`);

    const run = await eventually(async () => {
      const r = await getJson(`${vigil.url}/v1/playbooks/runs`);
      const first = r.json.runs[0];
      return first !== undefined && first.state !== 'running' && first;
    }, 'the failover run to finish', 30_000);
    assert.equal(run.state, 'succeeded', JSON.stringify(run.steps));
    assert.deepEqual(
      run.steps.map((s: { what: string }) => path.basename(JSON.parse(s.what.startsWith('[') ? s.what : '[""]')[1] ?? '')),
      ['fence.mjs', 'promote.mjs', 'switch.mjs', ''],
    );
    await access(fenceFile);
    assert.equal(await front.backend(), pair.replica.address);
    const readOnly = await pair.replica.query('SELECT @@global.read_only AS ro');
    assert.equal(Number(readOnly[0]!.ro), 0);

    const incident = (await getJson(`${vigil.url}/v1/incidents?rule=db_primary_down`)).json.incidents[0];
    const detail = await getJson(`${vigil.url}/v1/incidents/${incident.id}`);
    const story = (detail.json.timeline as { kind: string }[]).map((e) => e.kind).filter((k) => k !== 'notified');
    assert.deepEqual(story.slice(0, 7), ['firing', 'action_started', 'action_step', 'action_step', 'action_step', 'action_step', 'action_succeeded']);
  } finally {
    await vigil.stop();
    await front.stop();
    await pair.stop();
  }
});
