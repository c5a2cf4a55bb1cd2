import { spawn, type ChildProcess } from 'node:child_process';
import { probeTimeoutMs, type CheckSpec } from '../../engine/model/check-spec.js';
import { deadline } from '../../runtime/deadline.js';
import { describeError, oneLine } from './probe-error.js';
import { probeResult, type ProbeResult } from './probe.js';

/** Most characters of output an event carries. */
export const EXEC_OUTPUT_MAX_CHARS = 500;

/** Output bytes kept to cut the excerpt from (4 bytes per character at worst); the rest is read and dropped. */
const KEPT_BYTES = EXEC_OUTPUT_MAX_CHARS * 4;

/** The first output bytes of a process, stdout and stderr interleaved as they came. */
class OutputHead {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;

  add(chunk: Buffer): void {
    if (this.bytes >= KEPT_BYTES) return;
    const part = chunk.subarray(0, KEPT_BYTES - this.bytes);
    this.chunks.push(part);
    this.bytes += part.length;
  }

  /** At most EXEC_OUTPUT_MAX_CHARS characters, trimmed, never ending in half a surrogate pair. */
  excerpt(): string {
    const text = Buffer.concat(this.chunks).toString('utf8').trim();
    if (text.length <= EXEC_OUTPUT_MAX_CHARS) return text;
    const cut = text.slice(0, EXEC_OUTPUT_MAX_CHARS);
    const last = cut.charCodeAt(cut.length - 1);
    return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
  }
}

/** Kills the whole process group the probe started, grandchildren included. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

/**
 * The exec check: runs `argv` directly (never through a shell, so arguments are passed
 * literally) in a process group of its own; up iff it exits with status 0 within the
 * check's timeout. On timeout or abort the whole group is killed, so a stuck command leaves
 * nothing behind. Adds `exit_code` (when it exited) and `output`, the start of stdout and
 * stderr (at most 500 characters). Never rejects.
 */
export function execProbe(spec: CheckSpec, signal: AbortSignal): Promise<ProbeResult> {
  const startedAt = performance.now();
  const [file, ...args] = spec.argv;
  if (file === undefined || file === '') return Promise.resolve(probeResult('down', startedAt, 'no command'));
  const limit = deadline(signal, probeTimeoutMs(spec));
  return new Promise((resolve) => {
    const output = new OutputHead();
    let settled = false;
    const finish = (status: 'up' | 'down', message: string, exitCode?: number): void => {
      if (settled) return;
      settled = true;
      limit.dispose();
      const extra: Record<string, string | number> = { output: output.excerpt() };
      if (exitCode !== undefined) extra.exit_code = exitCode;
      resolve(probeResult(status, startedAt, message, extra));
    };
    let child: ChildProcess;
    try {
      child = spawn(file, args, { shell: false, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      finish('down', describeError(error));
      return;
    }
    child.stdout!.on('data', (chunk: Buffer) => output.add(chunk));
    child.stderr!.on('data', (chunk: Buffer) => output.add(chunk));
    child.once('error', (error) => finish('down', describeError(error)));
    // 'close' rather than 'exit': the output is complete only once both pipes closed.
    child.once('close', (code: number | null, signalName: NodeJS.Signals | null) => {
      if (code === null) {
        finish('down', `killed by ${signalName ?? 'a signal'}`);
        return;
      }
      const firstLine = output.excerpt().split('\n', 1)[0]!;
      const message = firstLine === '' ? `exit ${code}` : `exit ${code}: ${oneLine(firstLine, 120)}`;
      finish(code === 0 ? 'up' : 'down', message, code);
    });
    limit.signal.addEventListener(
      'abort',
      () => {
        killGroup(child);
        // Do not wait for the pipes: a process that left the group could hold them open.
        child.stdout!.destroy();
        child.stderr!.destroy();
        finish('down', limit.reason() ?? 'aborted');
      },
      { once: true },
    );
  });
}
