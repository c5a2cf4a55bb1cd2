import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startPodman, type PodmanEngine } from '../support/podman.js';
import { freePort } from '../support/ports.js';
import { startSmtpServer } from '../support/smtp-server.js';
import { eventually, getJson, startVigilProcess, writeVigilFiles } from '../support/vigil-process.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

let engine: PodmanEngine;
before(async () => {
  engine = await startPodman();
});
after(async () => {
  await engine?.stop();
});

/** The MiniTwit story with a container: its death fires, the playbook restarts it through the engine and waits for the web check. */
function rules(port: number, hookUrl: string, limit: string): string {
  return [
    `channel chat webhook { url "${hookUrl}" }`,
    'channel oncall email { to "ops@example.com" }',
    `check web_http http "http://127.0.0.1:${port}/index.html" every 500ms timeout 400ms expect status 200 host "web1" service "minitwit"`,
    'rule container_died {',
    '  when latest containers where action in ("start", "die") by container is action == "die"',
    '  severity critical',
    '  summary "container {container} died"',
    '  notify chat, oncall',
    '  run restart_container',
    '}',
    'playbook restart_container {',
    `  ${limit}`,
    '  step docker restart "{container}"',
    '  step wait health where check == "web_http" and status == "up" within 15s',
    '  on failure notify oncall',
    '}',
    '',
  ].join('\n');
}

function config(smtpPort: number): string {
  return `rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\nsmtp:\n  port: ${smtpPort}\n  starttls: off\ndocker:\n  socket: ${engine.socket}\n  retryMin: 100ms\n  retryMax: 1s\n`;
}

interface TimelineEntry {
  readonly kind: string;
  readonly time: string;
  readonly detail?: unknown;
}

test('a container serving HTTP is killed: die event, alert, docker restart through the API, the web check passes, resolved, all on the timeline', async () => {
  const smtp = await startSmtpServer();
  const hook = await startWebhookReceiver();
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-containers-'));
  const port = await freePort();
  await engine.run('web1', ['/bin/httpd', '-f', '-h', '/www', '-p', `127.0.0.1:${port}`], ['--label', 'app=minitwit']);
  const file = await writeVigilFiles(dir, config(smtp.port), { 'containers.vigil': rules(port, hook.url, 'limit 3 per 10m') });
  const vigil = await startVigilProcess(dir, file);
  try {
    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/index.html`)).status === 200, 'the container serving');
    await eventually(async () => /vigil_source_up\{source="docker"\} 1/.test(await (await fetch(`${vigil.url}/metrics`)).text()), 'the docker source up');
    const killedAt = Date.now();
    await engine.podman(['kill', 'web1']);

    const incident = await eventually(async () => {
      const r = await getJson(`${vigil.url}/v1/incidents?status=resolved&rule=container_died`);
      return r.json.incidents[0] as { id: string; openedAt: string; resolvedAt: string; labels: Record<string, string> } | undefined;
    }, 'the incident resolved after the restart', 60_000);
    process.stdout.write(`# alert ${Date.parse(incident.openedAt) - killedAt} ms after the kill, resolved ${Date.parse(incident.resolvedAt) - killedAt} ms after it\n`);
    assert.equal(incident.labels.container, 'web1');
    // The playbook's run: restarted through the engine's API, then verified by the web check.
    const runs = await eventually(async () => {
      const r = await getJson(`${vigil.url}/v1/playbooks/runs`);
      const run = (r.json.runs as { state: string; steps: { what: string }[] }[])[0];
      return run?.state === 'succeeded' ? run : undefined;
    }, 'the run succeeded');
    assert.match(runs.steps[0]!.what, /docker restart web1/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/index.html`)).status, 200, 'serving again');

    const detail = await getJson(`${vigil.url}/v1/incidents/${incident.id}`);
    const kinds = (detail.json.timeline as TimelineEntry[]).map((e) => e.kind).filter((k) => k !== 'notified');
    for (const kind of ['firing', 'action_started', 'action_step', 'action_succeeded', 'resolved']) assert.ok(kinds.includes(kind), `${kind} on the timeline: ${kinds.join(' ')}`);
    assert.equal(kinds.filter((k) => k === 'action_step').length, 2, 'the restart and the wait');
    assert.ok(kinds.indexOf('firing') < kinds.indexOf('action_started') && kinds.indexOf('action_started') < kinds.indexOf('action_step'));
    assert.ok(kinds.indexOf('action_step') < kinds.indexOf('resolved'), 'resolved after the restart step');

    const eventsSeen = await getJson(`${vigil.url}/v1/rules/container_died`);
    assert.equal(eventsSeen.status, 200);
    await eventually(() => hook.requests.some((r) => (r.json as any).notifications[0].kind === 'firing'), 'the firing webhook');
    await eventually(() => hook.requests.some((r) => (r.json as any).notifications[0].kind === 'resolved'), 'the resolved webhook');
    await eventually(() => smtp.messages.some((m) => /container_died/.test(m.subject)), 'the firing email');
  } finally {
    await vigil.stop();
    await engine.podman(['rm', '-f', '-t', '0', 'web1']).catch(() => undefined);
    await hook.stop();
    await smtp.stop();
  }
});

test('a container that dies again after every restart: the budget runs out, the run is skipped and oncall gets an email', async () => {
  const smtp = await startSmtpServer();
  const hook = await startWebhookReceiver();
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-container-loop-'));
  const port = await freePort();
  const file = await writeVigilFiles(dir, config(smtp.port), { 'containers.vigil': rules(port, hook.url, 'limit 2 per 10m') });
  const vigil = await startVigilProcess(dir, file);
  try {
    await eventually(async () => /vigil_source_up\{source="docker"\} 1/.test(await (await fetch(`${vigil.url}/metrics`)).text()), 'the docker source up');
    // Serves for 1.5 s after each start, then exits 3: long enough for the check to see it up.
    await engine.run('flaky1', ['/bin/sh', '-c', `/bin/httpd -f -h /www -p 127.0.0.1:${port} & /bin/sleep 1.5; exit 3`]);
    const skipped = await eventually(async () => {
      const r = await getJson(`${vigil.url}/v1/playbooks/runs`);
      return (r.json.runs as { state: string; reason: string }[]).find((run) => run.state === 'skipped');
    }, 'a skipped run', 90_000);
    assert.match(skipped.reason, /limit of 2 runs/);
    await eventually(() => smtp.messages.some((m) => /skipped/.test(m.text)), 'the escalation email about the skipped run', 30_000);
    const runs = await getJson(`${vigil.url}/v1/playbooks/runs`);
    const started = (runs.json.runs as { state: string }[]).filter((r) => r.state !== 'skipped');
    assert.equal(started.length, 2, 'exactly the budget of restarts');
    const died = await getJson(`${vigil.url}/v1/incidents?rule=container_died`);
    assert.ok(died.json.incidents.length >= 3, 'a death per start');
    const inspect = JSON.parse(await engine.podman(['inspect', 'flaky1'])) as { State: { ExitCode: number } }[];
    assert.equal(inspect[0]!.State.ExitCode, 3);
  } finally {
    await vigil.stop();
    await engine.podman(['rm', '-f', '-t', '0', 'flaky1']).catch(() => undefined);
    await hook.stop();
    await smtp.stop();
  }
});

test('the engine goes away: /metrics shows the docker source down and a vigil_docker_down self-alert fires; both recover when it is back', async () => {
  const smtp = await startSmtpServer();
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-container-away-'));
  const file = await writeVigilFiles(dir, config(smtp.port), { 'none.vigil': 'rule any_death { when containers where action == "die" by container }\n' });
  const vigil = await startVigilProcess(dir, file);
  const metrics = async (): Promise<string> => (await fetch(`${vigil.url}/metrics`)).text();
  try {
    await eventually(async () => /vigil_source_up\{source="docker"\} 1/.test(await metrics()), 'up');
    await engine.stopService();
    await eventually(async () => /vigil_source_up\{source="docker"\} 0/.test(await metrics()), 'down on /metrics');
    const alert = await eventually(async () => {
      const r = await getJson(`${vigil.url}/v1/incidents?rule=vigil_docker_down&status=firing`);
      return r.json.incidents[0] as { summary?: string } | undefined;
    }, 'the self-alert firing');
    assert.ok(alert);
    await engine.startService();
    await eventually(async () => /vigil_source_up\{source="docker"\} 1/.test(await metrics()), 'up again on /metrics');
    await eventually(async () => {
      const r = await getJson(`${vigil.url}/v1/incidents?rule=vigil_docker_down&status=resolved`);
      return r.json.incidents.length === 1;
    }, 'the self-alert resolved');
    assert.match(vigil.stderr(), /docker: lost unix:\/\/.*podman\.sock/);
  } finally {
    await vigil.stop();
    await smtp.stop();
  }
});
