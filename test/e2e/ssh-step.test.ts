import assert from 'node:assert/strict';
import { access, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startSshd } from '../support/sshd.js';
import { eventually, getJson, postJson, startVigilProcess, writeVigilFiles } from '../support/vigil-process.js';

test('a playbook ssh step runs on a real sshd, with an ssh config file as the inventory', async () => {
  const sshd = await startSshd();
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-ssh-'));
  // vigil runs the OpenSSH client in batch mode: the Host alias below is all it knows.
  const sshConfig = path.join(dir, 'ssh_config');
  await writeFile(
    sshConfig,
    [
      'Host web1',
      `  HostName ${sshd.host}`,
      `  Port ${sshd.port}`,
      `  User ${sshd.user}`,
      `  IdentityFile ${sshd.identityFile}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${sshd.knownHostsFile}`,
      '  StrictHostKeyChecking yes',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const marker = path.join(dir, 'restarted-by-ssh');
  const config = await writeVigilFiles(dir, `rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\nplaybooks:\n  sshConfigFile: ${sshConfig}\n`, {
    'ssh.vigil': [
      'rule web_down {',
      '  when latest health where check == "web" by host is status == "down"',
      '  run restart_over_ssh',
      '}',
      'playbook restart_over_ssh {',
      `  step ssh "{host}" ["touch", "${marker}"] timeout 10s`,
      `  step ssh "{host}" ["echo", "restarted;", "$(whoami)", "'quoted'"] timeout 10s`,
      '}',
      '',
    ].join('\n'),
  });
  const vigil = await startVigilProcess(dir, config);
  try {
    await postJson(`${vigil.url}/v1/events`, { stream: 'health', check: 'web', host: 'web1', status: 'down' });
    const run = await eventually(async () => {
      const r = await getJson(`${vigil.url}/v1/playbooks/runs`);
      const first = r.json.runs[0];
      return first !== undefined && first.state !== 'running' && first;
    }, 'the run to finish', 20_000);
    assert.equal(run.state, 'succeeded', JSON.stringify(run.steps));
    await access(marker);
    // The arguments reach the remote program literally: no shell expansion on either side.
    assert.match(run.steps[1].output, /restarted; \$\(whoami\) 'quoted'/);
  } finally {
    await vigil.stop();
    await sshd.stop();
  }
});
