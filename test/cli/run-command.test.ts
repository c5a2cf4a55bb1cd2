import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, VIGIL, tempFiles } from '../support/cli.js';
import { eventually, startVigilProcess, writeVigilFiles } from '../support/vigil-process.js';

/** Starts `vigil run` on a free port; resolves once it listens. */
async function startVigil(configYaml: string, rules: Record<string, string>) {
  const dir = await tempFiles({});
  const vigil = await startVigilProcess(dir, await writeVigilFiles(dir, configYaml, rules));
  return { child: vigil.child, url: vigil.url, out: () => vigil.stdout(), err: () => vigil.stderr() };
}

const CONFIG = 'rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\ntime:\n  lateness: 1m\n';
const RULES = { 'r.vigil': 'rule web_down {\n  when latest health where check == "web" by host is status == "down"\n  severity critical\n}\n' };

test('vigil run takes events over HTTP, reports changes, rejects bad events one by one', async () => {
  const vigil = await startVigil(CONFIG, RULES);
  try {
    const health = await fetch(`${vigil.url}/healthz`);
    assert.equal(health.status, 200);

    const body = [
      JSON.stringify({ stream: 'health', check: 'web', host: 'web1', status: 'down' }),
      '{broken',
      JSON.stringify({ check: 'web' }),
      JSON.stringify({ stream: 'health', check: 'web', host: 'web2', status: 'up', time: new Date(Date.now() - 3_600_000).toISOString() }),
    ].join('\n');
    const res = await fetch(`${vigil.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    assert.equal(res.status, 200);
    const result = (await res.json()) as { accepted: number; rejected: { index: number; error: string }[] };
    assert.equal(result.accepted, 1);
    assert.deepEqual(result.rejected.map((r) => r.index), [1, 2, 3]);
    assert.match(result.rejected[1]!.error, /stream/);
    assert.match(result.rejected[2]!.error, /late/);

    await eventually(() => vigil.out().includes('"state":"firing"'), 'the firing change');
    const change = JSON.parse(vigil.out().trim().split('\n')[0]!) as { rule: string; labels: Record<string, string> };
    assert.equal(change.rule, 'web_down');
    assert.equal(change.labels.host, 'web1');

    const array = await fetch(`${vigil.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ stream: 'health', check: 'web', host: 'web1', status: 'up' }]),
    });
    assert.deepEqual(await array.json(), { accepted: 1, rejected: [] });
    await eventually(() => vigil.out().includes('"state":"resolved"'), 'the resolved change');
  } finally {
    vigil.child.kill('SIGTERM');
  }
  const [code] = await once(vigil.child, 'exit');
  assert.equal(code, 0);
});

test('vigil run refuses an invalid configuration, naming the path', async () => {
  const dir = await tempFiles({ 'vigil.yaml': 'http:\n  listen: 127.0.0.1:0\n  bodylimit: 5\nsurprise: true\n' });
  const child = spawn(process.execPath, [VIGIL, 'run', '--config', path.join(dir, 'vigil.yaml')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = await once(child, 'exit');
  assert.equal(code, 1);
  assert.match(stderr, /http: unknown key "bodylimit"/);
  assert.match(stderr, /unknown key "surprise"/);
});

test('vigil run answers 413 past the body limit and 429 with Retry-After when its queue is full', async () => {
  const vigil = await startVigil('rules: ./rules\nhttp:\n  listen: 127.0.0.1:0\n  bodyLimit: 2048\n  maxQueuedEvents: 2\n', RULES);
  try {
    const big = await fetch(`${vigil.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stream: 'logs', message: 'x'.repeat(4096) }),
    });
    assert.equal(big.status, 413);
    const many = await fetch(`${vigil.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ stream: 'logs' }, { stream: 'logs' }, { stream: 'logs' }]),
    });
    assert.equal(many.status, 429);
    assert.equal(many.headers.get('retry-after'), '1');
    const ok = await fetch(`${vigil.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ stream: 'logs' }]) });
    assert.equal(ok.status, 200);
  } finally {
    vigil.child.kill('SIGTERM');
  }
  const [code] = await once(vigil.child, 'exit');
  assert.equal(code, 0);
});

test('vigil run refuses to listen beyond loopback with no token configured, and says why', async () => {
  const dir = await tempFiles({ 'vigil.yaml': 'rules: ./rules\ndata: ./data\nhttp:\n  listen: 0.0.0.0:0\n', 'rules/r.vigil': RULES['r.vigil']! });
  const child = spawn(process.execPath, [VIGIL, 'run', '--config', path.join(dir, 'vigil.yaml')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = await once(child, 'exit');
  assert.equal(code, 1);
  assert.match(stderr, /http\.listen: 0\.0\.0\.0:0 is not a loopback address, and no API tokens are configured/);
});

test('API writes are audited in the journal: the audit survives a crash and restart', async () => {
  const config = 'rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\nauth:\n  tokens:\n    - {name: ops, role: admin, env: VIGIL_TEST_ADMIN}\n';
  const dir = await tempFiles({ 'vigil.yaml': config, 'rules/r.vigil': RULES['r.vigil']! });
  const env = { ...process.env, VIGIL_TEST_ADMIN: 'audit-secret' };
  const start = async () => {
    const child = spawn(process.execPath, [VIGIL, 'run', '--config', path.join(dir, 'vigil.yaml')], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', () => {
        const m = /listening on (http:\/\/\S+)/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (c) => reject(new Error(`vigil exited with ${c}: ${stderr}`)));
    });
    return { child, url };
  };
  const headers = { authorization: 'Bearer audit-secret', 'content-type': 'application/json' };
  const first = await start();
  try {
    const silence = await fetch(`${first.url}/v1/silences`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ matchers: [{ name: 'host', value: 'web1' }], endsAt: new Date(Date.now() + 3_600_000).toISOString(), comment: 'maintenance' }),
    });
    assert.equal(silence.status, 200);
    assert.equal((await fetch(`${first.url}/v1/rules/reload`, { method: 'POST', headers: { authorization: headers.authorization } })).status, 200);
  } finally {
    // No clean shutdown: the entries must come back from the journal, not a snapshot.
    first.child.kill('SIGKILL');
  }
  await once(first.child, 'exit');
  const second = await start();
  try {
    const res = await fetch(`${second.url}/v1/audit`, { headers: { authorization: headers.authorization } });
    const { entries } = (await res.json()) as { entries: { action: string; who: string; status: number }[] };
    assert.deepEqual(entries.map((e) => [e.action, e.who, e.status]), [['silence', 'ops', 200], ['reload', 'ops', 200]]);
  } finally {
    second.child.kill('SIGTERM');
  }
  const [code] = await once(second.child, 'exit');
  assert.equal(code, 0);
});
