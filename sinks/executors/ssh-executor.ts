/**
 * The `ssh` step executor: runs a command on another host through the OpenSSH client, so
 * hosts, users, keys and jump hosts come from the operator's `~/.ssh/config`.
 */

import { ErrorCode, VigilError } from '../../engine/model/errors.js';
import type { ResolvedStep, StepExecutor, StepOutcome } from '../../engine/playbooks/step.js';
import { programOutcome, refused, runProgram, validTimeout } from './exec-executor.js';

/** What `createSshExecutor` may be given. */
export interface SshExecutorOptions {
  /** The ssh client; default `ssh` from `PATH`. */
  readonly sshPath?: string;
  /** Options placed before `--` (`-i KEY`, `-p PORT`, `-o Name=value`, `-F FILE`). */
  readonly extraArgs?: readonly string[];
  /** Values hidden from output and errors. */
  readonly secrets?: readonly string[];
}

/** ssh's own exit status for a failure to connect or authenticate. */
export const SSH_CONNECTION_FAILED = 255;

/**
 * One word for a POSIX shell that stands for exactly `arg`: single-quoted, with each `'`
 * written as `'\''` (close, escaped quote, reopen). Nothing inside single quotes is special.
 */
export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command line the remote shell receives for `argv`. sshd always hands the command to
 * the remote user's login shell, so every element, the program name included, is quoted
 * and reaches the remote program as one literal argument.
 */
export function remoteCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** Why `target` cannot be used, or undefined when it can. */
function targetProblem(target: string): string | undefined {
  if (target === '') return 'the ssh target is empty';
  // ssh would read it as an option (`-oProxyCommand=...` runs a local command).
  if (target.startsWith('-')) return 'an ssh target may not start with "-"';
  if (/[\s\x00-\x1f\x7f]/.test(target)) return 'an ssh target may not contain spaces or control characters';
  return undefined;
}

/**
 * Creates the executor for `ssh` steps. It runs
 * `ssh -o BatchMode=yes -o ConnectTimeout=<s> [extraArgs] -- <target> <command>`, where the
 * target is `user@host`, `host` or a `Host` alias of the ssh configuration, and the
 * command is the step's argv with every element single-quoted (see `remoteCommand`), so
 * `;`, `$(...)`, spaces and quotes reach the remote program literally. Batch mode means
 * no prompt ever waits for a password or a host key confirmation. The remote login shell
 * must be POSIX-like (sh, bash, dash, ksh, zsh); csh and fish quote differently.
 *
 * ok iff ssh exits with status 0, which is the remote command's status. 255 is ssh's own
 * failure (connection, host key, authentication) and is reported as such. On timeout the
 * local ssh process group is stopped; a remote command without a terminal may keep running.
 * Throws a `VigilError` (`E_CONFIG`) for an empty `sshPath`; `run` never throws.
 */
export function createSshExecutor(options: SshExecutorOptions = {}): StepExecutor {
  const sshPath = options.sshPath ?? 'ssh';
  if (sshPath === '') throw new VigilError(ErrorCode.Config, 'ssh executor: sshPath is empty');
  const extraArgs = [...(options.extraArgs ?? [])];
  const secrets = [...(options.secrets ?? [])];
  return {
    async run(step: ResolvedStep, signal: AbortSignal): Promise<StepOutcome> {
      if (step.kind !== 'ssh') return refused(`the ssh executor cannot run a ${step.kind} step`);
      if (!validTimeout(step.timeoutMs)) return refused('the step timeout must be a positive number of ms');
      const problem = targetProblem(step.target);
      if (problem !== undefined) return refused(problem);
      if (step.argv.length === 0) return refused('the remote command is empty');

      const connectTimeoutS = Math.max(1, Math.ceil(step.timeoutMs / 1000));
      const argv = [
        sshPath,
        '-o',
        'BatchMode=yes',
        '-o',
        `ConnectTimeout=${connectTimeoutS}`,
        ...extraArgs,
        '--',
        step.target,
        remoteCommand(step.argv),
      ];
      const run = await runProgram(argv, { timeoutMs: step.timeoutMs, signal });
      return programOutcome(run, {
        secrets,
        timeoutMs: step.timeoutMs,
        exitError: (code) =>
          code === SSH_CONNECTION_FAILED
            ? `ssh could not connect to or authenticate with "${step.target}" (exit status 255; ` +
              'or the remote command itself exited with 255)'
            : undefined,
      });
    },
  };
}
