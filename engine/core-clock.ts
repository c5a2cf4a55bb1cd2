import type { Clock } from './clock.js';
import { TimerQueue } from './timer-queue.js';

/**
 * The core's own time and its one timer queue. The core's parts (rules, notifier,
 * playbooks, posted alerts) set timers here; nothing outside sees them but the earliest due
 * time. `advance(T)` fires every timer due at or before T in due order, each seeing `now()`
 * equal to its due time (never earlier than a time already reached), then stays at T.
 * A timer set while one fires is never earlier than that one; otherwise timers keep the
 * due time they were given, so overdue timers fire in the order they fell due.
 */
export class CoreClock implements Clock {
  private readonly timers = new TimerQueue();
  private current: number;
  private firingAt: number | undefined;

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.firingAt ?? this.current;
  }

  at(time: number, fire: () => void): () => void {
    return this.timers.push(Math.max(time, this.firingAt ?? -Infinity), fire);
  }

  schedule(time: number, fire: () => void): void {
    this.timers.add(Math.max(time, this.firingAt ?? -Infinity), fire);
  }

  /** Due time of the earliest pending timer, or null. */
  nextDue(): number | null {
    return this.timers.peekDue() ?? null;
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time to `target` (never backwards), firing due timers on the way. */
  advance(target: number): void {
    for (;;) {
      const timer = this.timers.popDue(target);
      if (timer === undefined) break;
      this.firingAt = Math.max(timer.due, this.current);
      this.current = this.firingAt;
      try {
        timer.fire();
      } finally {
        this.firingAt = undefined;
      }
    }
    if (target > this.current) this.current = target;
  }
}
