/**
 * The one step executor the playbook runner is given: it hands each step to the executor
 * of its kind, so the wiring builds executors once and the runner needs no knowledge of them.
 */

import type { ResolvedStep, StepExecutor, StepOutcome } from '../../engine/playbooks/step.js';
import { createDockerExecutor, type DockerExecutorOptions } from './docker-executor.js';
import { createExecExecutor, type ExecExecutorOptions } from './exec-executor.js';
import { createHttpExecutor, type HttpExecutorOptions } from './http-executor.js';
import { scrub } from './scrub.js';
import { createSshExecutor, type SshExecutorOptions } from './ssh-executor.js';

/** Options per step kind, and secrets every executor hides. */
export interface StepExecutorOptions {
  readonly exec?: ExecExecutorOptions;
  readonly ssh?: SshExecutorOptions;
  readonly http?: HttpExecutorOptions;
  readonly docker?: DockerExecutorOptions;
  /** Hidden from the output and errors of every kind, besides each kind's own list. */
  readonly secrets?: readonly string[];
}

/**
 * Creates a `StepExecutor` that dispatches on `step.kind` to the exec, ssh, http and docker
 * executors. Throws a `VigilError` (`E_CONFIG`) when an option is unusable (a bad docker
 * host); `run` never throws: anything unexpected becomes a failed outcome.
 */
export function createStepExecutor(options: StepExecutorOptions = {}): StepExecutor {
  const shared = options.secrets ?? [];
  const withShared = (own: readonly string[] | undefined) => [...shared, ...(own ?? [])];
  const byKind: Record<ResolvedStep['kind'], StepExecutor> = {
    exec: createExecExecutor({ ...options.exec, secrets: withShared(options.exec?.secrets) }),
    ssh: createSshExecutor({ ...options.ssh, secrets: withShared(options.ssh?.secrets) }),
    http: createHttpExecutor({ ...options.http, secrets: withShared(options.http?.secrets) }),
    docker: createDockerExecutor({ ...options.docker }),
  };
  return {
    async run(step: ResolvedStep, signal: AbortSignal): Promise<StepOutcome> {
      const executor = Object.hasOwn(byKind, step.kind) ? byKind[step.kind] : undefined;
      if (executor === undefined) {
        return { ok: false, output: '', error: `no executor for ${String((step as { kind?: unknown }).kind)} steps` };
      }
      try {
        return await executor.run(step, signal);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { ok: false, output: '', error: scrub(`${step.kind} step failed unexpectedly: ${message}`, shared) };
      }
    },
  };
}
