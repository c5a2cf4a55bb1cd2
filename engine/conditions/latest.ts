import type { Condition } from '../condition.js';
import type { Event } from '../model/event.js';

/**
 * `latest SELECTOR is PRED`: holds while the group's latest matching event satisfies PRED.
 * Suits states: health results, metric samples. Needs no state beyond `holds`.
 */
export function latestCondition(options: { is: (e: Event) => boolean }): Condition<null> {
  const { is } = options;
  return {
    init: () => null,
    onEvent: (_state, event) => is(event),
    onTime: (_state, _now, holds) => holds,
    deadline: () => -1,
    value: () => null,
    idle: (_state, _now, holds) => !holds,
  };
}
