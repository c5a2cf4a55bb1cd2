import type { CheckSpec } from '../../engine/model/check-spec.js';
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
  return {
    name: 'checks',
    async start(ctx) {
      scheduler = new CheckScheduler({
        emit: (events) => {
          if (ctx.submit(events) === 'busy') ctx.log(`intake busy, ${events.length} check results dropped`);
        },
        ...(options.maxConcurrent === undefined ? {} : { maxConcurrent: options.maxConcurrent }),
      });
      scheduler.update(specs);
    },
    update(next) {
      specs = next;
      scheduler?.update(next);
    },
    async stop() {
      await scheduler?.stop();
    },
    health: () => ({ up: scheduler !== undefined, detail: `${specs.length} checks` }),
  };
}
