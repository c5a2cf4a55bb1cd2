import type { AlertChange } from './model/alert-change.js';

/**
 * `open when N alerts within D`: the alerts of such a rule wait, without an incident,
 * until N of them fired within D; then every waiting one opens its incident at once. While
 * the rule has an open incident, its new alerts open theirs directly. An alert that
 * resolves while waiting leaves without an incident (it still shows as an alert change).
 */

/** A firing alert waiting for its rule's threshold. Plain data. */
export interface WaitingAlert {
  readonly change: AlertChange;
  readonly summary: string;
}

/** The gate's state: the waiting alerts, oldest first. */
export interface OpenGateState {
  readonly waiting: readonly WaitingAlert[];
}

/** What the gate says about one change: pass it on, hold it, or release these firings now. */
export type GateOutcome =
  | { readonly t: 'pass' }
  | { readonly t: 'held'; readonly waiting: number; readonly of: number; readonly withinMs: number }
  | { readonly t: 'dropped' }
  | { readonly t: 'release'; readonly alerts: readonly WaitingAlert[] };

export interface OpenGateOptions {
  /** The rule's `open when`, if it has one. */
  readonly policy: (rule: string) => { readonly count: number; readonly withinMs: number } | undefined;
  /** True while the rule has an open incident. */
  readonly ruleOpen: (rule: string) => boolean;
}

const PASS: GateOutcome = { t: 'pass' };

const sameAlert = (a: AlertChange, b: AlertChange): boolean => a.rule === b.rule && JSON.stringify(a.labels) === JSON.stringify(b.labels);

/** The gate of `open when` rules; deterministic on the changes' times. */
export class OpenGate {
  private waiting: WaitingAlert[] = [];

  constructor(private readonly options: OpenGateOptions) {}

  /** Decides what becomes of a change of a vigil rule's alert. */
  admit(change: AlertChange, summary: string): GateOutcome {
    if (change.state === 'resolved') {
      const at = this.waiting.findIndex((w) => sameAlert(w.change, change));
      if (at < 0) return PASS;
      this.waiting.splice(at, 1);
      return { t: 'dropped' };
    }
    if (change.state !== 'firing') return PASS;
    const policy = this.options.policy(change.rule);
    if (policy === undefined || this.options.ruleOpen(change.rule)) return PASS;
    if (!this.waiting.some((w) => sameAlert(w.change, change))) this.waiting.push({ change, summary });
    const mine = this.waiting.filter((w) => w.change.rule === change.rule);
    const recent = mine.filter((w) => w.change.time > change.time - policy.withinMs).length;
    if (recent < policy.count) return { t: 'held', waiting: recent, of: policy.count, withinMs: policy.withinMs };
    this.waiting = this.waiting.filter((w) => w.change.rule !== change.rule);
    return { t: 'release', alerts: mine };
  }

  /** Alerts waiting now (the API, tests). */
  get size(): number {
    return this.waiting.length;
  }

  snapshot(): OpenGateState {
    return { waiting: this.waiting };
  }

  restore(state: OpenGateState): void {
    this.waiting = [...state.waiting];
  }
}
