import type { Core } from '../engine/core.js';
import type { Effects } from '../engine/effects.js';

export interface EngineDriverOptions {
  readonly core: Core;
  /** Performs one step's effects: prints changes, kicks delivery and step driving, counts metrics. */
  readonly perform: (effects: Effects<unknown>) => void;
  /** The wall clock (tests may pass another). */
  readonly wall?: () => number;
}

/**
 * The live clock of `vigil run`. The core keeps its own timers and says when it must be
 * advanced next (`nextDeadline`); the driver arms one Node timer for that time, advances the
 * core with the wall clock when it fires, and hands every effects value to `perform`. Inputs
 * are stamped with `time()`, which never goes back, so the live engine keeps the replay rule
 * "timers due at or before T fire first, then inputs at T" (the core fires them in `apply`).
 */
export class EngineDriver {
  private timer: NodeJS.Timeout | undefined;
  private armedFor: number | null = null;
  private stopped = false;
  private readonly wall: () => number;

  constructor(private readonly options: EngineDriverOptions) {
    this.wall = options.wall ?? Date.now;
  }

  /** The time to stamp the next input with: the wall clock, never behind the core's. */
  time(): number {
    return Math.max(this.wall(), this.options.core.now);
  }

  /** Fires every timer due by now and performs what they did. */
  advance(): void {
    this.take(this.options.core.advance(this.time()));
  }

  /** Performs one apply's or advance's effects and re-arms for the core's next deadline. */
  handle(effects: Effects<unknown>): void {
    this.take(effects);
  }

  /** Re-arms for the core's next deadline without effects to perform (after recovery). */
  arm(): void {
    this.armFor(this.options.core.nextDeadline);
  }

  /** Stops the Node timer (on shutdown). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private take(effects: Effects<unknown>): void {
    this.options.perform(effects);
    this.armFor(effects.nextDeadline);
  }

  private armFor(due: number | null): void {
    if (this.stopped) return;
    if (due === this.armedFor && this.timer !== undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = due;
    if (due === null) return;
    // Node timers hold at most ~24.8 days; a later deadline re-arms when it wakes.
    const delay = Math.min(Math.max(0, due - this.wall()), 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.armedFor = null;
      this.advance();
    }, delay);
    this.timer.unref();
  }
}
