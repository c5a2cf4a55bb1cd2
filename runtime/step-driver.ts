import type { InputBody } from '../engine/core.js';
import type { CoreQueries } from '../engine/core-queries.js';
import { describeResolved, type StepExecutor, type StepOutcome } from '../engine/playbooks/step.js';

export interface StepDriverOptions {
  /** The core's playbook runs, read-only: the steps waiting for an executor. */
  readonly runs: Pick<CoreQueries, 'dispatchableSteps' | 'interruptedRuns'>;
  readonly executor: StepExecutor;
  /** Journals and applies an input (the core's only way in). */
  readonly submit: (input: InputBody) => void;
}

/**
 * Hands playbook steps to executors: journals `step_started` first (so a restart never runs
 * a step twice without knowing), runs the step, and journals its result. Steps whose
 * `{label}` values were refused fail without running.
 */
export class StepDriver {
  private readonly abort = new AbortController();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: StepDriverOptions) {}

  /** Starts every step that is ready. */
  kick(): void {
    if (this.abort.signal.aborted) return;
    for (const { run, step } of this.options.runs.dispatchableSteps()) {
      if ('refused' in step) {
        this.options.submit({ t: 'step_refused', run: run.id, step: run.step, reason: step.refused });
        continue;
      }
      const index = run.step;
      this.options.submit({ t: 'step_started', run: run.id, step: index, what: describeResolved(step) });
      const task = this.options.executor
        .run(step, this.abort.signal)
        .catch((e: unknown): StepOutcome => ({ ok: false, output: '', error: `executor failed: ${(e as Error)?.message ?? String(e)}` }))
        .then((outcome) => {
          if (!this.abort.signal.aborted) this.options.submit({ t: 'step_result', run: run.id, step: index, outcome });
        })
        .finally(() => this.running.delete(task));
      this.running.add(task);
    }
  }

  /** Steps whose result was never recorded (the process died while they ran) fail, without a retry. */
  failInterrupted(): void {
    for (const run of this.options.runs.interruptedRuns()) {
      this.options.submit({
        t: 'step_result',
        run: run.id,
        step: run.step,
        outcome: { ok: false, output: '', error: 'interrupted: vigil stopped while the step ran; it is not repeated' },
        interrupted: true,
      });
    }
  }

  /** Waits for running steps (tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** Aborts running steps; their results are not recorded (they count as interrupted). */
  async close(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.running]);
  }
}
