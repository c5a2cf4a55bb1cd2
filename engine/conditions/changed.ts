import type { Condition } from '../condition.js';
import type { Event } from '../model/event.js';
import { isMissing } from '../values.js';

/** Group state of a change condition: the previous value and when the last change came. */
export interface ChangedState {
  prev: string | number | boolean | null;
  seen: boolean;
  last: number;
}

/**
 * `changed FIELD of SELECTOR [quiet D]`: holds from an event whose FIELD differs from the
 * group's previous matching event (the first never fires; events without FIELD are
 * skipped) until `quiet` passes without another change.
 */
export function changedCondition(options: {
  field: (e: Event) => unknown;
  quietMs: number;
}): Condition<ChangedState> {
  const { field, quietMs } = options;
  return {
    init: (now) => ({ prev: null, seen: false, last: now }),
    onEvent(state, event, _match, now, holds) {
      const v = field(event);
      if (isMissing(v) || typeof v === 'object') return holds;
      const changed = state.seen && state.prev !== v;
      state.prev = v as string | number | boolean;
      state.seen = true;
      if (!changed) return holds;
      state.last = now;
      return true;
    },
    onTime: (state, now, holds) => holds && now < state.last + quietMs,
    deadline: (state, holds) => (holds ? state.last + quietMs : -1),
    value: () => null,
    // The previous value is what the next event is compared with: never drop it lightly.
    idle: () => false,
  };
}
