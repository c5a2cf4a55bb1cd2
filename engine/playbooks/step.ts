/**
 * Playbook steps after `{label}` substitution, as executors receive them, and what an
 * executor reports back. `wait` and `notify` steps are handled by the runner itself.
 */

export type ResolvedStep =
  | { readonly kind: 'exec'; readonly argv: readonly string[]; readonly timeoutMs: number }
  | { readonly kind: 'ssh'; readonly target: string; readonly argv: readonly string[]; readonly timeoutMs: number }
  | {
      readonly kind: 'http';
      readonly method: string;
      readonly url: string;
      readonly body?: string;
      readonly headers: readonly { readonly name: string; readonly value: string }[];
      readonly expectStatus?: number;
      readonly timeoutMs: number;
    }
  | { readonly kind: 'docker'; readonly action: 'restart'; readonly container: string; readonly timeoutMs: number };

/** The outcome of one attempt of a step. */
export interface StepOutcome {
  readonly ok: boolean;
  /** Exit status (exec, ssh) or HTTP status (http, docker). */
  readonly code?: number;
  /** A bounded excerpt of the output, secrets scrubbed; safe for the timeline. */
  readonly output: string;
  /** Why it failed, for people (no secrets). */
  readonly error?: string;
}

/** Runs resolved steps of one kind. */
export interface StepExecutor {
  run(step: ResolvedStep, signal: AbortSignal): Promise<StepOutcome>;
}

/** Longest output excerpt kept on the timeline, in characters. */
export const OUTPUT_EXCERPT_CHARS = 2000;

/** How a step is shown on the timeline: the command or request, never a body or secret. */
export function describeResolved(step: ResolvedStep): string {
  switch (step.kind) {
    case 'exec':
      return JSON.stringify(step.argv);
    case 'ssh':
      return `ssh ${step.target} ${JSON.stringify(step.argv)}`;
    case 'http':
      return `${step.method} ${step.url.replace(/\?.*$/, '').replace(/\/\/[^/@]*@/, '//')}`;
    case 'docker':
      return `docker restart ${step.container}`;
  }
}
