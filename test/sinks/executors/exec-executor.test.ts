import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OUTPUT_EXCERPT_CHARS, type ResolvedStep } from '../../../engine/playbooks/step.js';
import { createExecExecutor, KILL_AFTER_MS } from '../../../sinks/executors/exec-executor.js';

const never = () => new AbortController().signal;
const exec = (argv: string[], timeoutMs = 5000): ResolvedStep => ({ kind: 'exec', argv, timeoutMs });
const node = process.execPath;

/** Whether `pid` is still a live process (a zombie waiting to be reaped counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesised command name, which may itself contain ") ".
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

test('exec: exit 0 is ok, with the output', async () => {
  const outcome = await createExecExecutor().run(exec(['/bin/echo', 'hello', 'world']), never());
  assert.deepEqual(outcome, { ok: true, code: 0, output: 'hello world\n' });
});

test('exec: a non-zero exit fails with its status and the interleaved stdout and stderr', async () => {
  const script = `process.stdout.write('out1\\n'); setTimeout(() => { process.stderr.write('err2\\n');
    setTimeout(() => { process.stdout.write('out3\\n'); process.exitCode = 3; }, 30); }, 30);`;
  const outcome = await createExecExecutor().run(exec([node, '-e', script]), never());
  assert.equal(outcome.ok, false);
  assert.equal(outcome.code, 3);
  assert.equal(outcome.output, 'out1\nerr2\nout3\n');
  assert.match(outcome.error ?? '', /status 3/);
});

test('exec: a missing program fails without throwing', async () => {
  const outcome = await createExecExecutor().run(exec(['/nonexistent/restart-it']), never());
  assert.equal(outcome.ok, false);
  assert.equal(outcome.code, undefined);
  assert.match(outcome.error ?? '', /ENOENT/);
});

test('exec: argv reaches the program verbatim, no shell in between', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-exec-'));
  try {
    await writeFile(join(dir, 'a.txt'), '');
    const marker = join(dir, 'pwned');
    const args = ['a; touch ' + marker, '&&', `$(touch ${marker})`, `\`touch ${marker}\``, '*.txt', '~', '$HOME', "it's \"quoted\"", '| cat', '>x', ''];
    const outcome = await createExecExecutor({ cwd: dir }).run(
      exec([node, '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...args]),
      never(),
    );
    assert.equal(outcome.ok, true);
    assert.deepEqual(JSON.parse(outcome.output), args);
    assert.equal(existsSync(marker), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('exec: env and cwd options are passed on', async () => {
  const outcome = await createExecExecutor({ env: { VIGIL_TEST: 'x1' }, cwd: '/' }).run(
    exec([node, '-e', 'process.stdout.write(process.env.VIGIL_TEST + " " + process.cwd())']),
    never(),
  );
  assert.equal(outcome.output, 'x1 /');
});

test('exec: a timeout kills the whole process group, grandchildren included', async () => {
  // The child starts a grandchild that ignores SIGTERM and, once it does, prints both pids.
  const script = `
    const { spawn } = require('node:child_process');
    const grandchild = spawn(process.execPath, ['-e',
      'process.on("SIGTERM", () => {}); process.stdout.write("ready"); setInterval(() => {}, 1000)'],
      { stdio: ['ignore', 'pipe', 'ignore'] });
    grandchild.stdout.once('data', () =>
      process.stdout.write(JSON.stringify({ child: process.pid, grandchild: grandchild.pid })));
    setInterval(() => {}, 1000);`;
  const timeoutMs = 1500;
  const started = Date.now();
  const outcome = await createExecExecutor().run(exec([node, '-e', script], timeoutMs), never());
  const elapsed = Date.now() - started;
  assert.equal(outcome.ok, false);
  assert.match(outcome.error ?? '', /timed out after 1500 ms/);
  const pids = JSON.parse(outcome.output) as { child: number; grandchild: number };
  assert.equal(alive(pids.child), false, 'the child survived');
  assert.equal(alive(pids.grandchild), false, 'the grandchild survived');
  // The grandchild ignored SIGTERM, so it took the SIGKILL after the grace.
  assert.ok(elapsed >= timeoutMs + KILL_AFTER_MS - 100, `took ${elapsed} ms`);
  assert.ok(elapsed < timeoutMs + KILL_AFTER_MS + 2000, `took ${elapsed} ms`);
});

test('exec: the caller aborting stops the group at once', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 200);
  const started = Date.now();
  const outcome = await createExecExecutor().run(exec(['/bin/sleep', '30'], 30_000), controller.signal);
  assert.equal(outcome.ok, false);
  assert.match(outcome.error ?? '', /aborted/);
  assert.ok(Date.now() - started < 3000);
});

test('exec: a program that leaves a helper holding stdout does not hold the step', async () => {
  const script = `
    const { spawn } = require('node:child_process');
    const helper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: ['ignore', 'inherit', 'inherit'] });
    helper.unref();
    console.log(helper.pid);`;
  const started = Date.now();
  const outcome = await createExecExecutor().run(exec([node, '-e', script]), never());
  const elapsed = Date.now() - started;
  assert.equal(outcome.ok, true);
  assert.match(outcome.output, /^\d+\n$/);
  // Left running: a daemon a step starts is not the executor's to stop.
  const helperPid = Number(outcome.output);
  assert.equal(alive(helperPid), true);
  process.kill(helperPid, 'SIGKILL');
  assert.ok(elapsed < 5000, `took ${elapsed} ms`);
});

test('exec: output is bounded to head and tail', async () => {
  const script = `process.stdout.write('BEGIN' + 'x'.repeat(5_000_000) + 'END')`;
  const outcome = await createExecExecutor().run(exec([node, '-e', script]), never());
  assert.equal(outcome.ok, true);
  assert.ok(outcome.output.length <= OUTPUT_EXCERPT_CHARS);
  assert.ok(outcome.output.startsWith('BEGIN'));
  assert.ok(outcome.output.endsWith('END'));
  assert.ok(outcome.output.includes('…'));
});

test('exec: secrets are scrubbed from output and errors', async () => {
  const secret = 'tok-8Hq2Lm77';
  const outcome = await createExecExecutor({ secrets: [secret] }).run(
    exec([node, '-e', 'console.log(process.argv[1], "password=abc123"); process.exit(2)', secret]),
    never(),
  );
  assert.equal(outcome.ok, false);
  assert.equal(outcome.output, '*** password=***\n');
  const missing = await createExecExecutor({ secrets: [secret] }).run(exec([`/nonexistent/${secret}`]), never());
  assert.ok(!(missing.error ?? '').includes(secret));
});
