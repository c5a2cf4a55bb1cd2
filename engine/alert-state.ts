/**
 * The alert state machine, a pure function of the previous state, whether the condition
 * holds now, and the time (after Prometheus' alerting rules, with `keep` added).
 *
 *   phase     holds  at/after deadline   next phase   emits
 *   inactive  yes    -                   pending      pending   (with `for`; deadline now+for)
 *   inactive  yes    -                   firing       firing    (without `for`)
 *   pending   no     -                   inactive     inactive
 *   pending   yes    yes                 firing       firing
 *   firing    no     -                   keeping      -         (with `keep`; deadline now+keep)
 *   firing    no     -                   inactive     resolved  (without `keep`)
 *   keeping   yes    -                   firing       -
 *   keeping   no     yes                 inactive     resolved
 *   any other combination                unchanged    -
 *
 * `keeping` is still firing to the outside: the condition stopped but `keep` holds the
 * alert until its deadline.
 */

export type AlertPhase = 'inactive' | 'pending' | 'firing' | 'keeping';

/** What an alert change is called in replay output and on the timeline. */
export type AlertChangeState = 'pending' | 'firing' | 'resolved' | 'inactive';

/** One group's alert state: plain data, so it can be snapshotted. */
export interface AlertState {
  phase: AlertPhase;
  /** When `pending` or `keeping` ends (epoch ms); -1 otherwise. */
  deadline: number;
  /** When the current phase began. */
  since: number;
}

export interface AlertTiming {
  readonly forMs: number;
  readonly keepMs: number;
}

export interface AlertStep {
  readonly state: AlertState;
  readonly emit: AlertChangeState | null;
}

/** The state of an alert that has never held. */
export function initialAlertState(now: number): AlertState {
  return { phase: 'inactive', deadline: -1, since: now };
}

/** Advances the state machine; see the table at the top of this file. */
export function stepAlert(prev: AlertState, holds: boolean, now: number, timing: AlertTiming): AlertStep {
  switch (prev.phase) {
    case 'inactive':
      if (!holds) return { state: prev, emit: null };
      return timing.forMs > 0
        ? { state: { phase: 'pending', deadline: now + timing.forMs, since: now }, emit: 'pending' }
        : { state: { phase: 'firing', deadline: -1, since: now }, emit: 'firing' };
    case 'pending':
      if (!holds) return { state: { phase: 'inactive', deadline: -1, since: now }, emit: 'inactive' };
      if (now >= prev.deadline) return { state: { phase: 'firing', deadline: -1, since: now }, emit: 'firing' };
      return { state: prev, emit: null };
    case 'firing':
      if (holds) return { state: prev, emit: null };
      return timing.keepMs > 0
        ? { state: { phase: 'keeping', deadline: now + timing.keepMs, since: prev.since }, emit: null }
        : { state: { phase: 'inactive', deadline: -1, since: now }, emit: 'resolved' };
    case 'keeping':
      if (holds) return { state: { phase: 'firing', deadline: -1, since: prev.since }, emit: null };
      if (now >= prev.deadline) return { state: { phase: 'inactive', deadline: -1, since: now }, emit: 'resolved' };
      return { state: prev, emit: null };
  }
}
