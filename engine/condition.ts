import type { Event } from './model/event.js';

/**
 * A compiled rule condition: the per-group state machine behind one `when` clause. The
 * rule runtime owns the groups, the timers and whether the condition currently holds; the
 * condition only says how an event or the passing of time changes that.
 *
 * State is plain data (numbers, arrays, plain objects) so it can be snapshotted.
 */
export interface Condition<S> {
  /** State for a group first seen at `now`. */
  init(now: number): S;
  /**
   * Applies an event of the group at `now`. `match` is a bit set of the rule's selectors
   * the event matched (bit 0: the first selector, bit 1: the second, for `then`).
   * Returns whether the condition holds afterwards, given whether it held before.
   */
  onEvent(state: S, event: Event, match: number, now: number, holds: boolean): boolean;
  /** Called at or after `deadline(state)`; returns whether the condition holds at `now`. */
  onTime(state: S, now: number, holds: boolean): boolean;
  /** The next time the condition may change by itself, or -1 for never. */
  deadline(state: S, holds: boolean): number;
  /** The value an alert change reports: the aggregate, or null for other forms. */
  value(state: S): unknown;
  /** True when the group carries nothing worth keeping once its alert is inactive. */
  idle(state: S, now: number, holds: boolean): boolean;
}
