import type { AlertChange } from '../engine/alert-change.js';
import { Engine } from '../engine/engine.js';
import type { Event } from '../engine/event.js';
import type { RuleSpec } from '../engine/rule-spec.js';
import type { Rejection } from '../ingest/http-intake.js';
import { WallClock } from './wall-clock.js';

export interface LiveEngineOptions {
  readonly rules: readonly RuleSpec[];
  readonly clock: WallClock;
  /** How far behind the clock an event may be and still count. */
  readonly latenessMs: number;
  readonly maxGroupsPerRule: number;
  readonly onChange: (change: AlertChange) => void;
  readonly onGroupCap: (rule: string, maxGroups: number) => void;
}

/**
 * The engine on the wall clock: timers due by now fire before a batch is applied; events
 * older than the allowed lateness are refused; an event stamped in the future counts as now.
 */
export class LiveEngine {
  readonly engine: Engine;
  private readonly clock: WallClock;
  private readonly latenessMs: number;

  constructor(options: LiveEngineOptions) {
    this.clock = options.clock;
    this.latenessMs = options.latenessMs;
    this.engine = new Engine({
      rules: options.rules,
      clock: options.clock,
      onChange: options.onChange,
      maxGroupsPerRule: options.maxGroupsPerRule,
      onGroupCap: options.onGroupCap,
    });
    this.engine.start(this.clock.now());
  }

  /** Applies a batch in order; returns the events refused as too late, by position. */
  submit(events: readonly Event[]): Rejection[] {
    this.clock.catchUp();
    const now = this.clock.now();
    const oldest = now - this.latenessMs;
    const rejected: Rejection[] = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (e.time < oldest) {
        rejected.push({ index: i, error: `late: ${new Date(e.time).toISOString()} is more than ${this.latenessMs}ms behind the clock` });
        continue;
      }
      this.engine.apply(e.time > now ? { ...e, time: now } : e);
    }
    return rejected;
  }
}
