import type { Condition } from '../condition.js';

/** Group state of an occurrence condition: when the last matching event came. */
export interface OccursState {
  last: number;
}

/**
 * `SELECTOR [quiet D]`: holds from a matching event until `quiet` passes with none.
 * Suits occurrences such as log lines.
 */
export function occursCondition(options: { quietMs: number }): Condition<OccursState> {
  const { quietMs } = options;
  return {
    init: (now) => ({ last: now }),
    onEvent(state, _event, _match, now) {
      state.last = now;
      return true;
    },
    onTime: (state, now, holds) => holds && now < state.last + quietMs,
    deadline: (state, holds) => (holds ? state.last + quietMs : -1),
    value: () => null,
    idle: (_state, _now, holds) => !holds,
  };
}
