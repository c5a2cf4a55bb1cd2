import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXEC_OUTPUT_MAX_CHARS, execProbe } from '../../../ingest/checks/exec-probe.js';
import { checkSpec } from './check-spec-fixture.js';

const signal = new AbortController().signal;

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-exec-probe-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** True once the process is gone (or a zombie, which runs nothing). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z');
  } catch {
    return true;
  }
}

test('exit 0 is up, with exit code and output', async () => {
  const r = await execProbe(checkSpec({ kind: 'exec', argv: ['/bin/echo', 'all good'] }), signal);
  assert.equal(r.status, 'up');
  assert.equal(r.message, 'exit 0: all good');
  assert.deepEqual(r.extra, { output: 'all good', exit_code: 0 });
});

test('a non-zero exit is down, with stdout and stderr in the output', async () => {
  const r = await execProbe(checkSpec({ kind: 'exec', argv: ['/bin/sh', '-c', 'echo "disk full" >&2; sleep 0.1; echo "on /var"; exit 1'] }), signal);
  assert.equal(r.status, 'down');
  assert.equal(r.message, 'exit 1: disk full');
  assert.equal(r.extra.exit_code, 1);
  assert.match(r.extra.output as string, /disk full/);
  assert.match(r.extra.output as string, /on \/var/);
});

test('the output excerpt is bounded', async () => {
  const r = await execProbe(checkSpec({ kind: 'exec', argv: ['/bin/sh', '-c', 'head -c 200000 /dev/zero | tr "\\000" a'] }), signal);
  assert.equal(r.status, 'up');
  assert.equal((r.extra.output as string).length, EXEC_OUTPUT_MAX_CHARS);
});

test('a timeout kills the whole process group', async () => {
  await withTempDir(async (dir) => {
    const pidFile = path.join(dir, 'pid');
    const r = await execProbe(
      checkSpec({ kind: 'exec', argv: ['/bin/sh', '-c', `sleep 30 & echo $! > ${pidFile}; echo started; wait`], timeoutMs: 300 }),
      signal,
    );
    assert.equal(r.status, 'down');
    assert.equal(r.message, 'timeout after 300 ms');
    assert.equal(r.extra.exit_code, undefined);
    assert.equal(r.extra.output, 'started');
    assert.ok(r.latencyMs < 1000, `latency ${r.latencyMs}`);
    const grandchild = Number(await readFile(pidFile, 'utf8'));
    const deadline = Date.now() + 2000;
    while (!gone(grandchild) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(gone(grandchild), `sleep ${grandchild} still runs`);
  });
});

test('arguments are passed literally, never through a shell', async () => {
  await withTempDir(async (dir) => {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    const c = path.join(dir, 'c');
    const args = ['two words', '"double"', "'single'", `; touch ${a}`, `$(touch ${b})`, `\`touch ${c}\``, '&&', '|', '*', '$HOME'];
    const r = await execProbe(checkSpec({ kind: 'exec', argv: ['/bin/echo', ...args] }), signal);
    assert.equal(r.status, 'up');
    assert.equal(r.extra.output, args.join(' '));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(existsSync(a), false);
    assert.equal(existsSync(b), false);
    assert.equal(existsSync(c), false);
  });
});

test('a missing program or empty argv is down, not an exception', async () => {
  const missing = await execProbe(checkSpec({ kind: 'exec', argv: ['/nonexistent/program', 'x'] }), signal);
  assert.equal(missing.status, 'down');
  assert.match(missing.message, /ENOENT/);
  const empty = await execProbe(checkSpec({ kind: 'exec', argv: [] }), signal);
  assert.equal(empty.status, 'down');
  assert.equal(empty.message, 'no command');
});

test('the caller aborting kills the process', async () => {
  const controller = new AbortController();
  const pending = execProbe(checkSpec({ kind: 'exec', argv: ['/bin/sleep', '30'], timeoutMs: 10_000 }), controller.signal);
  setTimeout(() => controller.abort(), 50);
  const r = await pending;
  assert.equal(r.status, 'down');
  assert.equal(r.message, 'aborted');
  assert.ok(r.latencyMs < 1000);
});
