import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ResolvedStep } from '../../../engine/playbooks/step.js';
import { createSshExecutor, remoteCommand, shellQuote } from '../../../sinks/executors/ssh-executor.js';
import { startSshd, type Sshd } from '../../support/sshd.js';

const never = () => new AbortController().signal;

/** Whether `pid` is a live process (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const ssh = (target: string, argv: string[], timeoutMs = 10_000): ResolvedStep => ({ kind: 'ssh', target, argv, timeoutMs });

test('ssh: shellQuote and remoteCommand quote every element', () => {
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(shellQuote(''), `''`);
  assert.equal(remoteCommand(['echo', 'a b', '$(x)']), `'echo' 'a b' '$(x)'`);
});

test('ssh: a target starting with "-" is refused before anything runs', async () => {
  const executor = createSshExecutor({ sshPath: '/nonexistent/ssh' });
  for (const target of ['-oProxyCommand=touch /tmp/x', '-p', '', 'host name']) {
    const outcome = await executor.run(ssh(target, ['true']), never());
    assert.equal(outcome.ok, false);
    assert.equal(outcome.code, undefined);
    assert.doesNotMatch(outcome.error ?? '', /ENOENT/, 'ssh must not have been started');
  }
});

describe('ssh against a real sshd', () => {
  let sshd: Sshd;
  let dir: string;

  before(async () => {
    sshd = await startSshd();
    dir = await mkdtemp(join(tmpdir(), 'vigil-ssh-'));
  });
  after(async () => {
    await sshd?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const executor = (secrets: string[] = []) => createSshExecutor({ extraArgs: sshd.sshExtraArgs, secrets });
  const target = () => `${sshd.user}@${sshd.host}`;

  test('hostile arguments reach the remote program literally', async () => {
    const marker = join(dir, 'pwned');
    const hostile = [
      `a; touch ${marker}`,
      '&&',
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      `x' ; touch ${marker}; echo '`,
      'two  spaces',
      '"double"',
      '*',
      '~',
      '$HOME',
      '| cat',
      '>out',
      'back\\slash',
      'new\nline',
      '',
    ];
    const echoed = await executor().run(ssh(target(), ['echo', ...hostile]), never());
    assert.equal(echoed.ok, true, echoed.error);
    assert.equal(echoed.output, `${hostile.join(' ')}\n`);
    // printf shows the boundaries: each argument arrives as exactly one.
    const printed = await executor().run(ssh(target(), ['printf', '[%s]', ...hostile]), never());
    assert.equal(printed.ok, true, printed.error);
    assert.equal(printed.output, hostile.map((arg) => `[${arg}]`).join(''));
    assert.equal(existsSync(marker), false);
  });

  test('a failing remote command fails with its exit status and output', async () => {
    const outcome = await executor().run(ssh(target(), ['sh', '-c', 'echo broken >&2; exit 7']), never());
    assert.equal(outcome.ok, false);
    assert.equal(outcome.code, 7);
    assert.equal(outcome.output, 'broken\n');
    assert.match(outcome.error ?? '', /status 7/);
  });

  test('secrets are scrubbed from the remote output', async () => {
    const outcome = await executor(['r3mote-S3cret']).run(ssh(target(), ['echo', 'token', 'r3mote-S3cret']), never());
    assert.equal(outcome.output, 'token ***\n');
  });

  test('a remote command over its timeout is stopped, and ends once it writes to the closed session', async () => {
    // Without a terminal a remote command is not told that ssh went away; one that writes
    // gets SIGPIPE. sshd runs on this machine, so the remote pid can be watched here.
    const pidFile = join(dir, 'remote.pid');
    const loop = 'echo $$ > "$1"; while :; do echo tick; sleep 0.2; done';
    // Long enough for ssh to connect on a loaded machine, so the command did write.
    const outcome = await executor().run(ssh(target(), ['sh', '-c', loop, 'sh', pidFile], 8000), never());
    assert.equal(outcome.ok, false);
    assert.match(outcome.error ?? '', /timed out after 8000 ms/);
    assert.match(outcome.output, /^tick\n/);
    const remotePid = Number(await readFile(pidFile, 'utf8'));
    const goneBy = Date.now() + 30_000;
    while (alive(remotePid) && Date.now() < goneBy) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(alive(remotePid), false, 'the remote command outlived the session');
  });

  test('an unreachable port is exit 255, reported as a connection failure', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const extraArgs = sshd.sshExtraArgs.map((arg) => (arg === String(sshd.port) ? String(port) : arg));
    const outcome = await createSshExecutor({ extraArgs }).run(
      ssh(target(), ['true'], 5000),
      never(),
    );
    assert.equal(outcome.ok, false);
    assert.equal(outcome.code, 255);
    assert.match(outcome.error ?? '', /could not connect/);
    assert.match(outcome.output, /Connection refused/);
  });
});
