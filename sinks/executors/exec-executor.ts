/**
 * The `exec` step executor: runs a local program with its argv as given (no shell), in a
 * process group of its own so a timeout can stop it and everything it started.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { deadline } from '../../runtime/deadline.js';
import { sleep, waitAtMost } from '../../runtime/sleep.js';
import { OUTPUT_EXCERPT_CHARS, type ResolvedStep, type StepExecutor, type StepOutcome } from '../../engine/playbooks/step.js';
import { OutputCapture, scrub } from './scrub.js';

/** What `createExecExecutor` may be given. */
export interface ExecExecutorOptions {
  /** The whole environment of the programs (not merged with vigil's); default: vigil's own. */
  readonly env?: NodeJS.ProcessEnv;
  /** Working directory of the programs; default: vigil's own. */
  readonly cwd?: string;
  /** Values hidden from output and errors (tokens the programs print, passwords in argv). */
  readonly secrets?: readonly string[];
}

/** How long a stopped group gets between SIGTERM and SIGKILL. */
export const KILL_AFTER_MS = 2000;
/** How long to wait for a SIGKILLed group to be gone (zombies not reaped yet still count). */
const KILL_SETTLE_MS = 1000;
/** How often a stopping group is checked for whether it is gone. */
const GROUP_POLL_MS = 50;
/**
 * How long output is still read after the program exits. A program that starts a daemon
 * which keeps the inherited stdout open would otherwise hold the step until its timeout;
 * after this the pipes are closed (such a daemon then gets EPIPE if it writes to them).
 */
const DRAIN_AFTER_EXIT_MS = 250;

/** How a program run ended. */
export type ProgramEnd =
  | { readonly kind: 'exited'; readonly code: number }
  | { readonly kind: 'signalled'; readonly signal: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'unstartable'; readonly reason: string };

/** A finished program run: how it ended and what it printed (stdout and stderr, interleaved). */
export interface ProgramRun {
  readonly end: ProgramEnd;
  readonly output: OutputCapture;
}

/** What `runProgram` needs besides the argv. */
export interface RunProgramOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly timeoutMs: number;
  /** Aborting it stops the program the way a timeout does. */
  readonly signal: AbortSignal;
}

/**
 * Runs `argv` without a shell as the leader of a new process group (a new session, so it
 * has no controlling terminal and stdin is /dev/null). On timeout or abort the whole group
 * gets SIGTERM, then SIGKILL after `KILL_AFTER_MS` if any of it is still there, so helpers
 * a script forked do not outlive the step. Never rejects. Shared by the exec and ssh
 * executors.
 */
export async function runProgram(argv: readonly string[], options: RunProgramOptions): Promise<ProgramRun> {
  const output = new OutputCapture();
  if (options.signal.aborted) return { end: { kind: 'aborted' }, output };
  const program = argv[0];
  if (program === undefined || program === '') {
    return { end: { kind: 'unstartable', reason: 'the argument list is empty' }, output };
  }
  // Node's own error for this quotes the argument, which may be a secret.
  const withNul = argv.findIndex((arg) => arg.includes('\0'));
  if (withNul >= 0) {
    return { end: { kind: 'unstartable', reason: `argument ${withNul} contains a NUL character` }, output };
  }

  let child: ChildProcess;
  try {
    child = spawn(program, argv.slice(1), {
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
  } catch (error) {
    return { end: { kind: 'unstartable', reason: startFailure(program, error) }, output };
  }

  const started = new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', resolve);
  });
  // An 'error' event without a listener would crash the process; after a successful
  // start it can only come from a failed kill, which the group signalling covers.
  child.on('error', () => {});
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    const decoder = new StringDecoder('utf8');
    stream.on('data', (chunk: Buffer) => output.push(decoder.write(chunk)));
    stream.on('end', () => output.push(decoder.end()));
    stream.on('error', () => {});
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));

  const startError = await started;
  const pid = child.pid;
  if (startError !== undefined || pid === undefined) {
    return { end: { kind: 'unstartable', reason: startFailure(program, startError, options.cwd) }, output };
  }

  const limit = deadline(options.signal, options.timeoutMs);
  try {
    const stopped = new Promise<'stopped'>((resolve) => {
      // The caller may have aborted while the program was starting, before `deadline`
      // could hear of it.
      if (limit.signal.aborted || options.signal.aborted) resolve('stopped');
      else limit.signal.addEventListener('abort', () => resolve('stopped'), { once: true });
    });
    const first = await Promise.race([exited, stopped]);
    if (first !== 'stopped') {
      await drain(child, closed);
      if (first.code !== null) return { end: { kind: 'exited', code: first.code }, output };
      return { end: { kind: 'signalled', signal: first.signal ?? 'unknown signal' }, output };
    }
    const why = limit.expired() ? 'timeout' : 'aborted';
    await stopGroup(pid, exited);
    await drain(child, closed);
    return { end: { kind: why }, output };
  } finally {
    limit.dispose();
  }
}

/** Waits briefly for the output pipes to close, then closes them. */
async function drain(child: ChildProcess, closed: Promise<void>): Promise<void> {
  await waitAtMost(closed, DRAIN_AFTER_EXIT_MS);
  child.stdout?.destroy();
  child.stderr?.destroy();
}

/** SIGTERM to the group; SIGKILL after `KILL_AFTER_MS` unless the leader and the group are gone. */
async function stopGroup(pid: number, exited: Promise<unknown>): Promise<void> {
  let leaderGone = false;
  void exited.then(() => {
    leaderGone = true;
  });
  signalGroup(pid, 'SIGTERM');
  const killAt = Date.now() + KILL_AFTER_MS;
  while (Date.now() < killAt) {
    await sleep(GROUP_POLL_MS);
    if (leaderGone && !signalGroup(pid, 0)) return;
  }
  signalGroup(pid, 'SIGKILL');
  await exited;
  // SIGKILL takes effect asynchronously; the step is over once its processes are.
  const goneBy = Date.now() + KILL_SETTLE_MS;
  while (signalGroup(pid, 0) && Date.now() < goneBy) await sleep(GROUP_POLL_MS / 5);
}

/**
 * Sends `signal` to the process group `pid` leads; whether the group still exists. While a
 * member remains (even a zombie), the group id cannot be reused by another process.
 */
function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why a program did not start, without Node's wording (which quotes the arguments). */
function startFailure(program: string, error: unknown, cwd?: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why = typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? code : 'failed to start';
  // spawn reports a missing working directory as a missing program.
  const hint = code === 'ENOENT' && cwd !== undefined ? ' (program or working directory not found)' : '';
  return `cannot start "${program}": ${why}${hint}`;
}

/** What `programOutcome` needs to describe a run. */
export interface ProgramOutcomeOptions {
  readonly secrets: readonly string[];
  readonly timeoutMs: number;
  /** Overrides the error for a given exit status (ssh's 255). */
  readonly exitError?: (code: number) => string | undefined;
}

/**
 * The step outcome of a program run: ok iff it exited with status 0; the output excerpt and
 * the error scrubbed of `secrets`.
 */
export function programOutcome(run: ProgramRun, options: ProgramOutcomeOptions): StepOutcome {
  const { secrets, timeoutMs } = options;
  const output = run.output.result(secrets, OUTPUT_EXCERPT_CHARS);
  const end = run.end;
  switch (end.kind) {
    case 'exited':
      if (end.code === 0) return { ok: true, code: 0, output };
      return {
        ok: false,
        code: end.code,
        output,
        error: scrub(options.exitError?.(end.code) ?? `exited with status ${end.code}`, secrets),
      };
    case 'signalled':
      return { ok: false, output, error: `killed by ${end.signal}` };
    case 'timeout':
      return { ok: false, output, error: `timed out after ${timeoutMs} ms; its process group was stopped` };
    case 'aborted':
      return { ok: false, output, error: 'aborted; its process group was stopped' };
    case 'unstartable':
      return { ok: false, output, error: scrub(end.reason, secrets) };
  }
}

/** A step this executor cannot run, as an outcome rather than a throw. */
export function refused(error: string): StepOutcome {
  return { ok: false, output: '', error };
}

/** Whether a step timeout is usable; a zero or negative one would fire at once. */
export function validTimeout(timeoutMs: number): boolean {
  return Number.isFinite(timeoutMs) && timeoutMs > 0;
}

/**
 * Creates the executor for `exec` steps: `argv[0]` is looked up in `PATH` (of `env`) and run
 * with `argv.slice(1)` exactly as given; ok iff it exits with status 0. The output is stdout
 * and stderr interleaved as they arrived, cut to `OUTPUT_EXCERPT_CHARS` (head and tail) and
 * scrubbed. Programs it leaves running after a normal exit are left alone (starting a
 * daemon is a fair remediation); on timeout or abort its whole process group is stopped.
 * `run` never throws.
 */
export function createExecExecutor(options: ExecExecutorOptions = {}): StepExecutor {
  const secrets = [...(options.secrets ?? [])];
  return {
    async run(step: ResolvedStep, signal: AbortSignal): Promise<StepOutcome> {
      if (step.kind !== 'exec') return refused(`the exec executor cannot run a ${step.kind} step`);
      if (!validTimeout(step.timeoutMs)) return refused('the step timeout must be a positive number of ms');
      const run = await runProgram(step.argv, {
        env: options.env,
        cwd: options.cwd,
        timeoutMs: step.timeoutMs,
        signal,
      });
      return programOutcome(run, { secrets, timeoutMs: step.timeoutMs });
    },
  };
}
