import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { trackChild } from './children.js';
import { ensurePackages, packageFor } from './debian-packages.js';
import { accepts, freePort } from './ports.js';

/** Where a test's rsyslog forwards one program's messages with omfwd. */
export interface RsyslogForward {
  /** Messages whose program name (syslog tag) is this go to this forward. */
  readonly program: string;
  readonly protocol: 'tcp' | 'udp';
  readonly port: number;
  /** An rsyslog template name, e.g. `RSYSLOG_SyslogProtocol23Format` (RFC 5424) or `RSYSLOG_TraditionalForwardFormat` (RFC 3164). */
  readonly template: string;
  /** TCP framing: `octet-counted` (RFC 6587) or `traditional` (LF). */
  readonly framing?: 'octet-counted' | 'traditional';
}

/** A running rsyslogd of a test: messages sent to `inputPort` (imtcp) go out through the forwards. */
export interface Rsyslog {
  readonly inputPort: number;
  /** Starts it again after `stop` with the same configuration, ports and spool. */
  start(): Promise<void>;
  /** SIGTERM, then SIGKILL after 30 s; resolves when it has exited. */
  stop(): Promise<void>;
  /** What rsyslogd printed. */
  output(): string;
}

const RSYSLOGD = '/usr/sbin/rsyslogd';

function config(dir: string, inputPort: number, forwards: readonly RsyslogForward[]): string {
  const lines = [
    `global(workDirectory="${dir}")`,
    // Only the TCP input: no local socket, no kernel log, nothing of the machine's own.
    'module(load="imtcp")',
    `input(type="imtcp" address="127.0.0.1" port="${inputPort}")`,
  ];
  for (const f of forwards) {
    const framing = f.protocol === 'tcp' ? ` TCP_Framing="${f.framing ?? 'octet-counted'}"` : '';
    // A disk-assisted queue per action with endless retries: while vigil is away, messages wait.
    lines.push(
      `if $programname == "${f.program}" then {`,
      `  action(type="omfwd" target="127.0.0.1" port="${f.port}" protocol="${f.protocol}"${framing} template="${f.template}"`,
      `         queue.type="LinkedList" queue.filename="q-${f.program}" action.resumeRetryCount="-1" action.resumeInterval="1")`,
      '}',
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * Starts rsyslogd in the foreground in `dir` with its own configuration: an imtcp input on
 * a free port and one omfwd action per forward; resolves once the input accepts connections.
 */
export async function startRsyslog(dir: string, forwards: readonly RsyslogForward[]): Promise<Rsyslog> {
  await ensurePackages([packageFor(RSYSLOGD)]);
  const inputPort = await freePort();
  const file = path.join(dir, 'rsyslog.conf');
  await writeFile(file, config(dir, inputPort, forwards));
  let child: ChildProcess | undefined;
  let output = '';

  async function start(): Promise<void> {
    const c = spawn(RSYSLOGD, ['-n', '-f', file, '-i', path.join(dir, 'rsyslogd.pid')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    trackChild(c);
    c.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
    c.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
    child = c;
    const until = Date.now() + 60_000;
    while (!(await accepts(inputPort))) {
      if (c.exitCode !== null) throw new Error(`rsyslogd exited with ${c.exitCode}:\n${output}`);
      if (Date.now() > until) throw new Error(`rsyslogd did not listen on ${inputPort}:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function stop(): Promise<void> {
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = once(c, 'exit');
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  await start();
  return { inputPort, start, stop, output: () => output };
}
