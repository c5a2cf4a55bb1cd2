import type { Clock } from './clock.js';
import { TimerQueue } from './timer-queue.js';

/**
 * A clock that moves only when told to: `vigil replay`, `vigil test` and unit tests drive
 * it with event time. Moving it to T fires every timer due at or before T first, in
 * due-time order, each seeing `now()` equal to its own due time (the spec's "Time" rules).
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly timers = new TimerQueue();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  at(time: number, fire: () => void): () => void {
    return this.timers.push(Math.max(time, this.current), fire);
  }

  schedule(time: number, fire: () => void): void {
    this.timers.add(Math.max(time, this.current), fire);
  }

  /** Number of timers still pending. */
  get pending(): number {
    return this.timers.size;
  }

  /** Due time of the next pending timer, if any. */
  nextDue(): number | undefined {
    return this.timers.peekDue();
  }

  /** Moves the clock to `time` (never backwards), firing due timers on the way. */
  advance(time: number): void {
    for (;;) {
      const timer = this.timers.popDue(time);
      if (timer === undefined) break;
      if (timer.due > this.current) this.current = timer.due;
      timer.fire();
    }
    if (time > this.current) this.current = time;
  }
}
