import type { Condition } from '../condition.js';
import { FIRST, SECOND } from './sequence.js';

/** Group state of `A then not B`: the pending deadline (null when none) and the quiet deadline. */
export interface SequenceAbsentState {
  due: number | null;
  quietUntil: number;
}

/**
 * `A then not B within D [quiet Q]`: an A event sets a deadline A + D (one per group at a
 * time); a B event cancels it; reaching it makes the condition hold until Q passes without
 * another missed deadline. An event matching both cancels first, then starts a new one.
 */
export function sequenceAbsentCondition(options: { withinMs: number; quietMs: number }): Condition<SequenceAbsentState> {
  const { withinMs, quietMs } = options;
  return {
    init: () => ({ due: null, quietUntil: -1 }),
    onEvent(state, _event, match, now, holds) {
      if (match & SECOND) state.due = null;
      if (match & FIRST && state.due === null) state.due = now + withinMs;
      return holds;
    },
    onTime(state, now, holds) {
      let result = holds && now < state.quietUntil;
      if (state.due !== null && now >= state.due) {
        state.quietUntil = state.due + quietMs;
        state.due = null;
        result = now < state.quietUntil;
      }
      return result;
    },
    deadline(state, holds) {
      if (state.due === null) return holds ? state.quietUntil : -1;
      return holds ? Math.min(state.due, state.quietUntil) : state.due;
    },
    value: () => null,
    idle: (state, _now, holds) => !holds && state.due === null,
  };
}
