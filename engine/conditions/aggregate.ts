import type { CmpOp } from '../cmp-op.js';
import type { Condition } from '../condition.js';
import { compareValues } from '../values.js';
import type { WindowAggregate } from '../windows/windows.js';

/** `CMP LITERAL`: a threshold the aggregate is compared with. */
export interface ThresholdSpec {
  readonly op: CmpOp;
  readonly value: string | number | boolean;
}

/**
 * `AGG of SELECTOR over D CMP X [clear CMP Y]`: holds while the aggregate over the sliding
 * window satisfies the threshold; with `clear`, once holding it stops only when the clear
 * comparison holds (hysteresis). The window's next expiry is the condition's deadline, so
 * the alert changes at the exact millisecond an event leaves the window.
 */
export function aggregateCondition<S>(options: {
  window: WindowAggregate<S>;
  threshold: ThresholdSpec;
  clear?: ThresholdSpec;
}): Condition<S> {
  const { window, threshold, clear } = options;
  const evaluate = (state: S, holds: boolean): boolean => {
    const v = window.value(state);
    if (holds && clear !== undefined) return !compareValues(v, clear.op, clear.value);
    return compareValues(v, threshold.op, threshold.value);
  };
  return {
    init: () => window.init(),
    onEvent(state, event, _match, now, holds) {
      // Event time, not clock time: in a live run a late event still lands in its slot.
      window.add(state, event, event.time);
      window.expire(state, now);
      return evaluate(state, holds);
    },
    onTime(state, now, holds) {
      window.expire(state, now);
      return evaluate(state, holds);
    },
    deadline: (state) => window.nextExpiry(state) ?? -1,
    value: (state) => window.value(state) ?? null,
    idle: (state, _now, holds) => !holds && window.isEmpty(state),
  };
}
