import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { access } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { runVigil, tempFiles, VIGIL } from '../support/cli.js';
import { freePort } from '../support/ports.js';

const RULES = { 'rules/r.vigil': 'rule web_down {\n  when latest health by host is status == "down"\n}\n' };
/** The file names a port nothing should get: the flag or the variable must win over it. */
const CONFIG = 'rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:1\n';

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** The environment of the test process without VIGIL_LISTEN, plus `extra`. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { VIGIL_LISTEN: _ignored, ...rest } = process.env;
  return { ...rest, ...extra };
}

/** Starts `vigil run` with `args` in `dir`; resolves with the URL it listens on, or rejects with its log. */
async function startWith(dir: string, args: readonly string[], extraEnv: Record<string, string> = {}) {
  const child = spawn(process.execPath, [VIGIL, 'run', ...args], { cwd: dir, env: env(extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    void exited.then(([code]) => reject(new Error(`vigil exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      return (await exited)[0];
    },
  };
}

test('vigil run --listen overrides http.listen', async () => {
  const dir = await tempFiles({ 'vigil.yaml': CONFIG, ...RULES });
  const port = await freePort();
  const vigil = await startWith(dir, ['--config', path.join(dir, 'vigil.yaml'), '--listen', `127.0.0.1:${port}`]);
  try {
    assert.equal(vigil.url, `http://127.0.0.1:${port}`);
    assert.equal((await fetch(`${vigil.url}/healthz`)).status, 200);
  } finally {
    assert.equal(await vigil.stop(), 0);
  }
});

test('VIGIL_LISTEN overrides http.listen, and --listen overrides VIGIL_LISTEN', async () => {
  const dir = await tempFiles({ 'vigil.yaml': CONFIG, ...RULES });
  const port = await freePort();
  const vigil = await startWith(dir, ['--config', path.join(dir, 'vigil.yaml')], { VIGIL_LISTEN: `127.0.0.1:${port}` });
  try {
    assert.equal(vigil.url, `http://127.0.0.1:${port}`);
    assert.equal((await fetch(`${vigil.url}/healthz`)).status, 200);
  } finally {
    assert.equal(await vigil.stop(), 0);
  }
  const other = await freePort();
  const both = await startWith(dir, ['--config', path.join(dir, 'vigil.yaml'), '--listen', `127.0.0.1:${other}`], { VIGIL_LISTEN: `127.0.0.1:${port}` });
  try {
    assert.equal(both.url, `http://127.0.0.1:${other}`);
  } finally {
    assert.equal(await both.stop(), 0);
  }
  const bad = await runVigil(['run', '--config', path.join(dir, 'vigil.yaml'), '--listen', 'nowhere'], { cwd: dir, env: env({ VIGIL_LISTEN: `127.0.0.1:${port}` }) });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--listen: "nowhere" is not HOST:PORT/);
  const badEnv = await runVigil(['run', '--config', path.join(dir, 'vigil.yaml')], { cwd: dir, env: env({ VIGIL_LISTEN: '127.0.0.1:99999' }) });
  assert.equal(badEnv.code, 1);
  assert.match(badEnv.stderr, /VIGIL_LISTEN: "127.0.0.1:99999" is not HOST:PORT/);
});

test('a start that fails leaves no data folder behind: port taken, rules broken, bad listen address', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as AddressInfo).port;
  try {
    const dir = await tempFiles({ 'vigil.yaml': `rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:${port}\n`, ...RULES });
    const busy = await runVigil(['run', '--config', path.join(dir, 'vigil.yaml')], { cwd: dir, env: env() });
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
    assert.equal(await exists(path.join(dir, 'data')), false, 'no data folder after the port was taken');
  } finally {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
  }

  const broken = await tempFiles({ 'vigil.yaml': 'rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\n', 'rules/r.vigil': 'rule {\n' });
  const refused = await runVigil(['run', '--config', path.join(broken, 'vigil.yaml')], { cwd: broken, env: env() });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /do not compile/);
  assert.equal(await exists(path.join(broken, 'data')), false, 'no data folder after the rules were refused');

  const dir = await tempFiles({ 'vigil.yaml': CONFIG, ...RULES });
  const badListen = await runVigil(['run', '--config', path.join(dir, 'vigil.yaml')], { cwd: dir, env: env({ VIGIL_LISTEN: 'nowhere' }) });
  assert.equal(badListen.code, 1);
  assert.equal(await exists(path.join(dir, 'data')), false, 'no data folder after a bad listen address');
});

test('a failed start keeps a data folder that was there before, journal and all', async () => {
  const dir = await tempFiles({ 'vigil.yaml': 'rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\n', ...RULES });
  const first = await startWith(dir, ['--config', path.join(dir, 'vigil.yaml')]);
  assert.equal(await first.stop(), 0);
  assert.equal(await exists(path.join(dir, 'data', 'journal')), true);
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  try {
    const second = await runVigil(['run', '--config', path.join(dir, 'vigil.yaml'), '--listen', `127.0.0.1:${(taken.address() as AddressInfo).port}`], { cwd: dir, env: env() });
    assert.equal(second.code, 1);
    assert.match(second.stderr, /EADDRINUSE/);
  } finally {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
  }
  assert.equal(await exists(path.join(dir, 'data', 'journal')), true, 'the journal of the earlier run stays');
  // And the state in it is still readable: the next start recovers from it.
  const third = await startWith(dir, ['--config', path.join(dir, 'vigil.yaml')]);
  assert.equal(await third.stop(), 0);
});
