import type { AlertChange } from './model/alert-change.js';
import type { Clock } from './clock.js';
import type { Event } from './model/event.js';
import { Router } from './router.js';
import { RuleRuntime, type GroupState } from './rule-runtime.js';
import type { RuleSpec } from './rule-spec.js';

/** The engine's rule state as plain data: each rule's signature and groups. */
export type EngineState = Record<string, { readonly signature: string; readonly groups: readonly GroupState[] }>;

/** Default cap on groups per rule; hitting it is reported, never a crash. */
export const DEFAULT_MAX_GROUPS = 100_000;

/** Default cap on the length of one `by` value, so one huge value cannot make a huge group key. */
export const DEFAULT_MAX_LABEL_VALUE_LENGTH = 1024;

export interface EngineOptions {
  readonly rules: readonly RuleSpec[];
  readonly clock: Clock;
  /** Receives every alert state change as it happens. */
  readonly onChange: (change: AlertChange) => void;
  readonly maxGroupsPerRule?: number;
  /** Told when a rule's group cap refuses a new group. */
  readonly onGroupCap?: (rule: string, maxGroups: number) => void;
  /** Told of every group a cap refuses, and when a capped rule takes groups again. */
  readonly onGroupDropped?: (rule: string, maxGroups: number) => void;
  readonly onGroupRoom?: (rule: string) => void;
  /** Longest `by` value (default DEFAULT_MAX_LABEL_VALUE_LENGTH); an event with a longer one is not evaluated for that rule. */
  readonly maxLabelValueLength?: number;
  /** Told each time a `by` value is too long. */
  readonly onLabelTooLong?: (rule: string, label: string, length: number) => void;
}

/**
 * The compiled rule set at work: routes each event to the rules that can match it at the
 * clock's current time. It never reads the wall clock: whoever drives it (replay, tests,
 * the live service) moves the clock.
 */
export class Engine {
  readonly runtimes: ReadonlyMap<string, RuleRuntime>;
  private readonly router = new Router();

  constructor(options: EngineOptions) {
    const runtimes = new Map<string, RuleRuntime>();
    const maxGroups = options.maxGroupsPerRule ?? DEFAULT_MAX_GROUPS;
    const onGroupCap = options.onGroupCap ?? (() => {});
    const maxLabelValueLength = options.maxLabelValueLength ?? DEFAULT_MAX_LABEL_VALUE_LENGTH;
    const onLabelTooLong = options.onLabelTooLong;
    for (const rule of options.rules) {
      const runtime = new RuleRuntime({
        rule,
        clock: options.clock,
        emit: options.onChange,
        maxGroups,
        onGroupCap,
        onGroupDropped: options.onGroupDropped,
        onGroupRoom: options.onGroupRoom,
        maxLabelValueLength,
        onLabelTooLong,
      });
      runtimes.set(rule.name, runtime);
      this.router.add(rule, runtime);
    }
    this.runtimes = runtimes;
  }

  /** Starts every rule at `now` (absence without `by` counts from here). */
  start(now: number): void {
    for (const runtime of this.runtimes.values()) runtime.start(now);
  }

  /** Every rule's groups as plain data. */
  snapshot(): EngineState {
    const out: EngineState = {};
    for (const [name, runtime] of this.runtimes) out[name] = { signature: runtime.rule.signature ?? '', groups: runtime.snapshot() };
    return out;
  }

  /**
   * Takes over group state for every rule whose signature is unchanged (after a restart or a
   * reload); returns the names of the rules that kept their state. Call before `start`.
   */
  restore(state: EngineState): string[] {
    const kept: string[] = [];
    for (const [name, runtime] of this.runtimes) {
      const saved = state[name];
      if (saved === undefined || saved.signature !== (runtime.rule.signature ?? '') || saved.signature === '') continue;
      runtime.restore(saved.groups);
      kept.push(name);
    }
    return kept;
  }

  /** Applies one validated event at the clock's current time. */
  apply(event: Event): void {
    this.router.route(event);
  }
}
