import type { Event } from '../model/event.js';

/** A step as compiled from the rule file; strings may hold `{label}` templates. */
export type StepSpec =
  | { readonly kind: 'exec'; readonly argv: readonly string[]; readonly timeoutMs: number; readonly retry: number }
  | { readonly kind: 'ssh'; readonly target: string; readonly argv: readonly string[]; readonly timeoutMs: number; readonly retry: number }
  | {
      readonly kind: 'http';
      readonly method: string;
      readonly url: string;
      readonly body?: string;
      readonly headers: readonly { readonly name: string; readonly value: string }[];
      readonly expectStatus?: number;
      readonly timeoutMs: number;
      readonly retry: number;
    }
  | { readonly kind: 'docker'; readonly container: string; readonly timeoutMs: number; readonly retry: number }
  | {
      readonly kind: 'wait';
      readonly stream: string;
      /** The selector's predicate with `$label` references bound to the alert's labels. */
      readonly match: (labels: Readonly<Record<string, string>>) => (e: Event) => boolean;
      readonly withinMs: number;
    }
  | { readonly kind: 'notify'; readonly channels: readonly string[] };

/** A compiled playbook declaration. */
export interface PlaybookSpec {
  readonly name: string;
  /** Runs per target (the alert's labels) per window; beyond it: skipped and escalated. */
  readonly limit?: { readonly count: number; readonly perMs: number };
  readonly cooldownMs: number;
  readonly approve: boolean;
  readonly steps: readonly StepSpec[];
  readonly onFailure: readonly string[];
}

/** Default step timeout when a step names none. */
export const DEFAULT_STEP_TIMEOUT_MS = 60_000;
