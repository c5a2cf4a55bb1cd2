import type { CheckSpec } from '../../engine/model/check-spec.js';
import type { CheckResult, CheckStatus } from '../../engine/model/check-status.js';
import type { Event } from '../../engine/model/event.js';
import type { Source } from '../../engine/model/source.js';
import { CheckScheduler } from './check-scheduler.js';

/** What `createCheckSource` takes: the checks to run at start, and the concurrency bound. */
export interface CheckSourceOptions {
  readonly specs: readonly CheckSpec[];
  /** Most probes in flight at once (see `CheckScheduler`). */
  readonly maxConcurrent?: number;
}

/** The health checks as a source; `update` swaps the checks when the rules are reloaded. */
export interface CheckSource extends Source {
  update(specs: readonly CheckSpec[]): void;
  /** Every check with its latest results (at most `CHECK_RESULTS_KEPT`) and next run. */
  status(): CheckStatus[];
}

/** Results kept per check for `status` (the console's latency sparkline). */
export const CHECK_RESULTS_KEPT = 30;

function resultOf(event: Event): CheckResult {
  const e = event as unknown as Record<string, unknown>;
  const result = { time: event.time, status: String(e.status), latencyMs: Number(e.latency_ms), message: typeof e.message === 'string' ? e.message : '' };
  return typeof e.days_left === 'number' ? { ...result, daysLeft: e.days_left } : result;
}

/**
 * The active health checks (`CheckScheduler`) as one of the service's sources: every
 * finished run's `health` event takes the same path as posted events (the intake queue,
 * journaled, then applied). Results that arrive while the queue is full are dropped and
 * said so: the next run of the check tells the same.
 */
export function createCheckSource(options: CheckSourceOptions): CheckSource {
  let specs = options.specs;
  let scheduler: CheckScheduler | undefined;
  const results = new Map<string, CheckResult[]>();
  const keep = (events: readonly Event[]): void => {
    for (const event of events) {
      const name = String((event as unknown as Record<string, unknown>).check);
      let list = results.get(name);
      if (list === undefined) results.set(name, (list = []));
      list.push(resultOf(event));
      if (list.length > CHECK_RESULTS_KEPT) list.shift();
    }
  };
  return {
    name: 'checks',
    async start(ctx) {
      scheduler = new CheckScheduler({
        emit: (events) => {
          keep(events);
          if (ctx.submit(events) === 'busy') ctx.log(`intake busy, ${events.length} check results dropped`);
        },
        ...(options.maxConcurrent === undefined ? {} : { maxConcurrent: options.maxConcurrent }),
      });
      scheduler.update(specs);
    },
    update(next) {
      specs = next;
      scheduler?.update(next);
      const names = new Set(next.map((spec) => spec.name));
      for (const name of results.keys()) if (!names.has(name)) results.delete(name);
    },
    status() {
      return specs.map((spec) => {
        const due = scheduler?.stats(spec.name)?.nextDueMs;
        return {
          name: spec.name,
          kind: spec.kind,
          target: spec.kind === 'exec' ? spec.argv.join(' ') : spec.target,
          host: spec.host ?? null,
          service: spec.service ?? null,
          everyMs: spec.everyMs,
          nextRunAt: due === undefined ? null : Math.round(due),
          results: [...(results.get(spec.name) ?? [])],
        };
      });
    },
    async stop() {
      await scheduler?.stop();
    },
    health: () => ({ up: scheduler !== undefined, detail: `${specs.length} checks` }),
  };
}
