import type { Condition } from '../condition.js';

/** Group state of `A then B`: the last A's time (null before any) and the quiet deadline. */
export interface SequenceState {
  first: number | null;
  quietUntil: number;
}

/** Bit of `match` set when the event matched the first selector. */
export const FIRST = 1;
/** Bit of `match` set when the event matched the second selector. */
export const SECOND = 2;

/**
 * `A then B within D [quiet Q]`: holds from a B event that came within D after an A event
 * of its group, until Q passes without another such pair. An event matching both is
 * first checked as B, then recorded as A.
 */
export function sequenceCondition(options: { withinMs: number; quietMs: number }): Condition<SequenceState> {
  const { withinMs, quietMs } = options;
  return {
    init: () => ({ first: null, quietUntil: -1 }),
    onEvent(state, _event, match, now, holds) {
      let result = holds;
      if (match & SECOND && state.first !== null && now - state.first <= withinMs) {
        state.quietUntil = now + quietMs;
        result = true;
      }
      if (match & FIRST) state.first = now;
      return result;
    },
    onTime: (state, now, holds) => holds && now < state.quietUntil,
    deadline: (state, holds) => (holds ? state.quietUntil : -1),
    value: () => null,
    idle: (state, now, holds) => !holds && (state.first === null || now - state.first > withinMs),
  };
}
