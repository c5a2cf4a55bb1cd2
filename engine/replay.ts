import { compareChanges, type AlertChange } from './model/alert-change.js';
import { Engine } from './engine.js';
import type { Event } from './model/event.js';
import type { RuleSpec } from './rule-spec.js';
import { VirtualClock } from './virtual-clock.js';

export interface ReplayOptions {
  readonly rules: readonly RuleSpec[];
  /** Clock start (for `absent` without `by`); default: the first event's time. */
  readonly start?: number;
  /** Receives changes in output order: time, then rule, then labels. */
  readonly onChange: (change: AlertChange) => void;
  /** Told about an event earlier than the clock; the event is skipped. */
  readonly onLate?: (index: number, event: Event, clock: number) => void;
  readonly maxGroupsPerRule?: number;
  readonly onGroupCap?: (rule: string, maxGroups: number) => void;
  readonly onLabelTooLong?: (rule: string, label: string, length: number) => void;
}

/**
 * Feeds events through a rule set in event time on a virtual clock: the clock is the
 * newest event's time, timers due at or before an event fire before it, and changes come
 * out sorted. `vigil replay` and `vigil test` are thin layers over this.
 */
export class Replay {
  private readonly clock: VirtualClock;
  /** The engine being driven, for inspection (group counts, views). */
  readonly engine: Engine;
  private readonly onChange: (change: AlertChange) => void;
  private readonly onLate: (index: number, event: Event, clock: number) => void;
  private started: boolean;
  private buffer: AlertChange[] = [];
  private index = 0;

  constructor(options: ReplayOptions) {
    this.clock = new VirtualClock(options.start ?? 0);
    this.onChange = options.onChange;
    this.onLate = options.onLate ?? (() => {});
    this.engine = new Engine({
      rules: options.rules,
      clock: this.clock,
      onChange: (c) => this.buffer.push(c),
      maxGroupsPerRule: options.maxGroupsPerRule,
      onGroupCap: options.onGroupCap,
      onLabelTooLong: options.onLabelTooLong,
    });
    this.started = options.start !== undefined;
    if (this.started) this.engine.start(this.clock.now());
  }

  /** The clock's current time. */
  get now(): number {
    return this.clock.now();
  }

  /** Applies the next event in input order; false when it was late and skipped. */
  push(event: Event): boolean {
    const index = this.index++;
    if (!this.started) {
      this.started = true;
      this.clock.advance(event.time);
      this.engine.start(event.time);
    }
    if (event.time < this.clock.now()) {
      this.onLate(index, event, this.clock.now());
      return false;
    }
    this.advance(event.time);
    this.engine.apply(event);
    return true;
  }

  /** Moves the clock to `time` without an event (`--end`, `end:`). */
  advance(time: number): void {
    if (time > this.clock.now()) {
      this.clock.advance(time);
      this.flush(time);
    }
  }

  /** Emits everything still buffered; call once after the last event. */
  finish(end?: number): void {
    if (end !== undefined) this.advance(end);
    this.flush(Infinity);
  }

  /** Emits, in order, the buffered changes earlier than `before`: nothing can precede them now. */
  private flush(before: number): void {
    if (this.buffer.length === 0) return;
    const ready: AlertChange[] = [];
    const later: AlertChange[] = [];
    for (const c of this.buffer) (c.time < before ? ready : later).push(c);
    this.buffer = later;
    ready.sort(compareChanges);
    for (const c of ready) this.onChange(c);
  }
}
