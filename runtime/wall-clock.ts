import type { Clock } from '../engine/clock.js';
import { TimerQueue } from '../engine/timer-queue.js';

/**
 * The live clock of `vigil run`: the wall clock, with the engine's timers kept in one queue
 * behind a single Node timer. A timer fires with `now()` equal to its due time, and
 * `catchUp()` fires everything already due before a batch of events is applied, so the live
 * engine keeps the replay rule "timers due at or before T fire first, then events at T".
 */
export class WallClock implements Clock {
  private readonly timers = new TimerQueue();
  private handle: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private firingAt: number | undefined;
  private last = 0;
  private stopped = false;
  /** While recovering: the replayed time; the wall clock is not read. */
  private virtualNow: number | undefined;

  constructor(private readonly wall: () => number = Date.now) {}

  now(): number {
    if (this.firingAt !== undefined) return this.firingAt;
    if (this.virtualNow !== undefined) return this.virtualNow;
    const t = this.wall();
    if (t > this.last) this.last = t;
    return this.last;
  }

  at(time: number, fire: () => void): () => void {
    const cancel = this.timers.push(Math.max(time, this.firingAt ?? -Infinity), fire);
    if (time < this.armedFor) this.arm();
    return cancel;
  }

  schedule(time: number, fire: () => void): void {
    const due = Math.max(time, this.firingAt ?? -Infinity);
    this.timers.add(due, fire);
    if (due < this.armedFor) this.arm();
  }

  /**
   * Recovery: moves a virtual time to `time`, firing the timers due on the way exactly as
   * they fired live, without reading the wall clock. `goLive` ends it.
   */
  replayTo(time: number): void {
    if (this.virtualNow === undefined) this.beginReplay(time);
    this.fireDue(time);
    const now = Math.max(this.virtualNow ?? time, time);
    this.virtualNow = now;
    if (now > this.last) this.last = now;
  }

  /** Enters recovery at `time` (a snapshot's time): the clock reads it until `goLive`. */
  beginReplay(time: number): void {
    this.virtualNow = Math.max(this.last, time);
    this.last = this.virtualNow;
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = undefined;
    this.armedFor = Infinity;
  }

  /** Ends recovery: from now on the clock is the wall clock, and overdue timers fire. */
  goLive(): void {
    this.virtualNow = undefined;
    this.catchUp();
  }

  /** Fires every timer due by now; call before applying events. */
  catchUp(): void {
    if (this.virtualNow !== undefined) return;
    const target = this.wall();
    this.fireDue(target);
    if (target > this.last) this.last = target;
    this.arm();
  }

  private fireDue(target: number): void {
    for (;;) {
      const timer = this.timers.popDue(target);
      if (timer === undefined) break;
      this.firingAt = Math.max(timer.due, this.last);
      this.last = this.firingAt;
      try {
        timer.fire();
      } finally {
        this.firingAt = undefined;
      }
    }
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.timers.size;
  }

  /** Stops the underlying Node timer (on shutdown). */
  stop(): void {
    this.stopped = true;
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = undefined;
  }

  private arm(): void {
    if (this.stopped || this.virtualNow !== undefined) return;
    const due = this.timers.peekDue();
    if (due === this.armedFor && this.handle !== undefined) return;
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = undefined;
    this.armedFor = due ?? Infinity;
    if (due === undefined) return;
    // Node timers hold at most ~24.8 days; a later due time re-arms when it wakes.
    const delay = Math.min(Math.max(0, due - this.wall()), 2 ** 31 - 1);
    this.handle = setTimeout(() => {
      this.handle = undefined;
      this.armedFor = Infinity;
      this.catchUp();
    }, delay);
    this.handle.unref();
  }
}
