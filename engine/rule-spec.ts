import type { Condition } from './condition.js';
import type { Event } from './model/event.js';

/** One selector of a compiled rule: the stream, and the compiled `where`. */
export interface SelectorSpec {
  readonly stream: string;
  /** The whole `where` predicate (true when there is none). */
  readonly match: (e: Event) => boolean;
  /**
   * An equality test `field == "text"` the router can index on, and the rest of the
   * predicate to check once the index matched (null when nothing is left).
   */
  readonly index?: {
    readonly field: string;
    readonly get: (e: Event) => unknown;
    readonly value: string;
    readonly rest: ((e: Event) => boolean) | null;
  };
}

/** A `by` field: the label it becomes and how to read it from an event. */
export interface GroupField {
  readonly label: string;
  readonly get: (e: Event) => unknown;
}

/** A rule compiled into what the engine runs; produced by the rule compiler. */
export interface RuleSpec {
  readonly name: string;
  readonly severity: string;
  readonly forMs: number;
  readonly keepMs: number;
  /** One selector, or two for `then` / `then not` (bit 0 and bit 1 of the match mask). */
  readonly selectors: readonly SelectorSpec[];
  readonly by: readonly GroupField[];
  readonly condition: Condition<any>;
  /** The rule's `labels { }`, rendered for a group from its labels. */
  readonly extraLabels: (groupLabels: Readonly<Record<string, string>>) => Record<string, string>;
  /** True for `absent` without `by`: its single group exists from the start. */
  readonly startsAtStart: boolean;
  /**
   * The rule's canonical text: a reloaded rule with the same signature keeps its groups'
   * state (windows, `for` progress, deadlines). Empty when unknown.
   */
  readonly signature?: string;
  /** Where the rule is written, `file:line`, for people; absent when compiled from no file. */
  readonly where?: string;
}
