import type { Condition } from '../condition.js';

/** Group state of an absence condition: the time the silence is counted from. */
export interface AbsentState {
  last: number;
}

/**
 * `absent SELECTOR for D`: holds once no matching event came for D (counted from the
 * group's last match, or from the start for the single group of a rule without `by`), and
 * stops at the next matching event.
 */
export function absentCondition(options: { forMs: number }): Condition<AbsentState> {
  const { forMs } = options;
  return {
    init: (now) => ({ last: now }),
    onEvent(state, _event, _match, now) {
      state.last = now;
      return false;
    },
    onTime: (state, now) => now >= state.last + forMs,
    deadline: (state, holds) => (holds ? -1 : state.last + forMs),
    value: () => null,
    // A seen group must keep its deadline: the silence itself is what the rule watches.
    idle: () => false,
  };
}
