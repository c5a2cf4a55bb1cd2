/**
 * A real OpenSSH server for ssh executor tests: `/usr/sbin/sshd -D -e` on 127.0.0.1 at a
 * free port, in a temp dir with throwaway host and client keys, accepting the current
 * user by public key only. Installs openssh-server with apt-get when sshd is missing.
 */

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { accepts, freePort } from './ports.js';
import { ensurePackages, packageFor } from './debian-packages.js';

/** Where Debian's openssh-server puts the daemon; sshd must be started by absolute path. */
export const SSHD_PATH = '/usr/sbin/sshd';
/** sshd's privilege separation directory on Debian. */
const PRIVSEP_DIR = '/run/sshd';
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 2000;

/** A running sshd and what a client needs to reach it. */
export interface Sshd {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The user it lets in: the one running the tests. */
  readonly user: string;
  /** The client's private key. */
  readonly identityFile: string;
  /** A known_hosts file holding the server's host key for `[127.0.0.1]:port`. */
  readonly knownHostsFile: string;
  /**
   * ssh client options for this server (key, known hosts with strict checking, port, and
   * `-F /dev/null` so the machine's own ssh configuration cannot change the tests).
   */
  readonly sshExtraArgs: string[];
  /** Stops the server (SIGTERM, then SIGKILL) and removes its temp dir. */
  stop(): Promise<void>;
}

interface CommandResult {
  readonly ok: boolean;
  readonly output: string;
}

function runCommand(file: string, args: readonly string[], timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
      (error, stdout, stderr) => resolve({ ok: error === null, output: `${stdout}${stderr}${error ? `\n${error.message}` : ''}` }),
    );
  });
}

/**
 * Makes sure `/usr/sbin/sshd` exists, installing openssh-server if not (see
 * `debian-packages.ts`: `npm test` installs it before the test files start).
 */
export async function ensureSshd(): Promise<void> {
  await ensurePackages([packageFor(SSHD_PATH)]);
}

async function keygen(file: string, comment: string): Promise<string> {
  const result = await runCommand('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], 30_000);
  if (!result.ok) throw new Error(`ssh-keygen failed: ${result.output}`);
  return (await readFile(`${file}.pub`, 'utf8')).trim();
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts sshd (installing it first if needed) and waits until its port accepts connections. */
export async function startSshd(): Promise<Sshd> {
  await ensureSshd();
  await mkdir(PRIVSEP_DIR, { recursive: true, mode: 0o755 });

  const dir = await mkdtemp(join(tmpdir(), 'vigil-sshd-'));
  const user = userInfo().username;
  const hostKey = join(dir, 'host_ed25519');
  const identityFile = join(dir, 'client_ed25519');
  const knownHostsFile = join(dir, 'known_hosts');
  const authorizedKeys = join(dir, 'authorized_keys');
  const configFile = join(dir, 'sshd_config');
  let child: ChildProcess | undefined;
  try {
    const hostPublic = await keygen(hostKey, 'vigil-test-host');
    const clientPublic = await keygen(identityFile, 'vigil-test-client');
    await writeFile(authorizedKeys, `${clientPublic}\n`, { mode: 0o600 });
    const port = await freePort();
    const [keyType, keyData] = hostPublic.split(/\s+/);
    await writeFile(knownHostsFile, `[127.0.0.1]:${port} ${keyType} ${keyData}\n`);
    await writeFile(
      configFile,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${authorizedKeys}`,
        'StrictModes no',
        'UsePAM no',
        'PermitRootLogin prohibit-password',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        `AllowUsers ${user}`,
        'UseDNS no',
        'LogLevel INFO',
        '',
      ].join('\n'),
    );

    const started = spawn(SSHD_PATH, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = started;
    let log = '';
    started.stderr?.on('data', (chunk: Buffer) => {
      // Only the start matters for diagnosing a failed start; later output is dropped.
      if (log.length < 16_384) log += chunk.toString('utf8');
    });
    started.on('error', (error) => {
      log += `\n${error.message}`;
    });

    const readyBy = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (started.exitCode !== null || started.signalCode !== null) {
        throw new Error(`sshd exited at start (${started.exitCode ?? started.signalCode}): ${log}`);
      }
      if (await accepts(port)) break;
      if (Date.now() > readyBy) throw new Error(`sshd did not accept connections within ${READY_TIMEOUT_MS} ms: ${log}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    return {
      host: '127.0.0.1',
      port,
      user,
      identityFile,
      knownHostsFile,
      sshExtraArgs: [
        '-F',
        '/dev/null',
        '-i',
        identityFile,
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        `UserKnownHostsFile=${knownHostsFile}`,
        '-o',
        'GlobalKnownHostsFile=/dev/null',
        '-o',
        'StrictHostKeyChecking=yes',
        '-p',
        String(port),
      ],
      async stop() {
        await stopChild(started);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (child !== undefined) await stopChild(child);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** SIGTERM to the sshd started here (by its pid), SIGKILL if it is still there after a grace. */
async function stopChild(child: ChildProcess): Promise<void> {
  const gone = exited(child);
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), STOP_GRACE_MS);
  });
  if ((await Promise.race([gone, late])) === 'late') {
    child.kill('SIGKILL');
    await gone;
  }
  clearTimeout(timer);
}
