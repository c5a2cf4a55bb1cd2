import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../support/cli.js';
import { startSmtpServer } from '../support/smtp-server.js';
import { eventually, getJson, startVigilProcess, writeVigilFiles } from '../support/vigil-process.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { freePort } from '../support/ports.js';

const RESTART = path.join(ROOT, 'examples', 'minitwit', 'restart.mjs');


function startApp(port: number, pidFile: string, crashAfterMs?: number): void {
  const args = [RESTART, '--port', String(port), '--pid-file', pidFile, ...(crashAfterMs === undefined ? [] : ['--crash-after-ms', String(crashAfterMs)])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

async function stopApp(pidFile: string): Promise<void> {
  try {
    process.kill(Number(await readFile(pidFile, 'utf8')), 'SIGKILL');
  } catch {
    // Already gone.
  }
}

async function restarts(pidFile: string): Promise<number> {
  try {
    return Number(await readFile(`${pidFile}.count`, 'utf8'));
  } catch {
    return 0;
  }
}

function files(port: number, pidFile: string, hookUrl: string, limit: string, crashAfterMs?: number): string {
  const restartArgv = ['node', RESTART, '--port', String(port), '--pid-file', pidFile, ...(crashAfterMs === undefined ? [] : ['--crash-after-ms', String(crashAfterMs)])];
  return [
    `channel chat webhook { url "${hookUrl}" }`,
    'channel oncall email { to "ops@example.com" }',
    `check minitwit_http http "http://127.0.0.1:${port}/public" every 500ms timeout 400ms expect status 200 host "web1" service "minitwit"`,
    'rule minitwit_down {',
    '  when latest health where check == "minitwit_http" by host is status == "down"',
    '  for 1500ms',
    '  severity critical',
    '  summary "MiniTwit is down on {host}"',
    '  notify chat, oncall',
    '  run restart_minitwit',
    '}',
    'playbook restart_minitwit {',
    `  ${limit}`,
    `  step exec ${JSON.stringify(restartArgv)} timeout 10s`,
    '  step wait health where check == "minitwit_http" and host == $host and status == "up" within 10s',
    '  on failure notify oncall',
    '}',
    '',
  ].join('\n');
}

test('the unnoticed outage: the app crashes on one request; vigil detects it, restarts it, verifies, and tells people', async () => {
  const smtp = await startSmtpServer();
  const hook = await startWebhookReceiver();
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-minitwit-'));
  const port = await freePort();
  const pidFile = path.join(dir, 'minitwit.pid');
  startApp(port, pidFile);
  const config = await writeVigilFiles(
    dir,
    `rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\nsmtp:\n  port: ${smtp.port}\n  starttls: off\n`,
    { 'minitwit.vigil': files(port, pidFile, hook.url, 'limit 3 per 10m') },
  );
  const vigil = await startVigilProcess(dir, config);
  try {
    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/public`)).status === 200, 'the app up');
    // A healthy check seen first: the rule has the app's group, not holding.
    await eventually(async () => {
      const r = await getJson(`${vigil.url}/v1/rules/minitwit_down`);
      return (r.json.groups as { holds: boolean }[] | undefined)?.some((g) => !g.holds) === true;
    }, 'a healthy check of the app');
    const crashedAt = Date.now();
    await fetch(`http://127.0.0.1:${port}/crash`).catch(() => undefined);

    const incident = await eventually(async () => {
      const r = await getJson(`${vigil.url}/v1/incidents?status=resolved`);
      return r.json.incidents[0] as { id: string; openedAt: string; resolvedAt: string } | undefined;
    }, 'the incident resolved after the restart', 30_000);
    const detectionMs = Date.parse(incident.openedAt) - crashedAt;
    const recoveryMs = Date.parse(incident.resolvedAt) - crashedAt;
    process.stdout.write(`# detection ${detectionMs} ms after the crash, recovery ${recoveryMs} ms after the crash\n`);
    assert.ok(detectionMs < 5000, `detected within 5 s (${detectionMs} ms)`);
    assert.ok(recoveryMs < 15_000, `recovered within 15 s (${recoveryMs} ms)`);
    assert.equal(await restarts(pidFile), 2, 'started once by the test, once by the playbook');
    assert.equal((await fetch(`http://127.0.0.1:${port}/public`)).status, 200);

    const detail = await getJson(`${vigil.url}/v1/incidents/${incident.id}`);
    const story = (detail.json.timeline as { kind: string }[]).map((e) => e.kind).filter((k) => k !== 'notified');
    assert.deepEqual(story, ['firing', 'action_started', 'action_step', 'action_step', 'action_succeeded', 'resolved']);
    const runs = await getJson(`${vigil.url}/v1/playbooks/runs`);
    assert.equal(runs.json.runs[0].state, 'succeeded');
    assert.match(runs.json.runs[0].steps[0].what, /restart\.mjs/);

    await eventually(() => hook.requests.some((r) => (r.json as any).notifications[0].kind === 'resolved'), 'the resolved webhook');
    assert.ok(hook.requests.some((r) => (r.json as any).notifications[0].kind === 'firing'));
    await eventually(() => smtp.messages.length >= 2, 'the firing and resolved emails');
    assert.match(smtp.messages[0]!.subject, /minitwit_down/);
  } finally {
    await vigil.stop();
    await stopApp(pidFile);
    await hook.stop();
    await smtp.stop();
  }
});

test('a restart loop: after the budget the playbook is skipped, people are told, and no more restarts happen', async () => {
  const smtp = await startSmtpServer();
  const hook = await startWebhookReceiver();
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-loop-'));
  const port = await freePort();
  const pidFile = path.join(dir, 'minitwit.pid');
  const config = await writeVigilFiles(
    dir,
    `rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\nsmtp:\n  port: ${smtp.port}\n  starttls: off\n`,
    // The app dies 1.2 s after every start: long enough for a check to see it up.
    { 'minitwit.vigil': files(port, pidFile, hook.url, 'limit 2 per 10m', 1200) },
  );
  const vigil = await startVigilProcess(dir, config);
  try {
    const skipped = await eventually(async () => {
      const r = await getJson(`${vigil.url}/v1/playbooks/runs`);
      return (r.json.runs as { state: string; reason: string }[]).find((run) => run.state === 'skipped');
    }, 'a skipped run', 40_000);
    assert.match(skipped.reason, /limit of 2 runs/);
    await eventually(() => smtp.messages.some((m) => /skipped/.test(m.text)), 'the escalation email about the skipped run', 10_000);
    const count = await restarts(pidFile);
    assert.equal(count, 2, 'exactly the budget of restarts');
    await new Promise((r) => setTimeout(r, 4000));
    assert.equal(await restarts(pidFile), 2, 'no further restarts');
  } finally {
    await vigil.stop();
    await stopApp(pidFile);
    await hook.stop();
    await smtp.stop();
  }
});
