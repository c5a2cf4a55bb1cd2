import type { Notification } from '../../engine/model/notification.js';

/** What a stage knows about the batch it handles: the channel and how to give up. */
export interface FlushContext {
  readonly channel: string;
  readonly signal: AbortSignal;
  /**
   * Told synchronously before every attempt with the keys about to go out, so the attempt
   * can be recorded before the receiver can have it.
   */
  readonly onAttempt: (keys: readonly string[], attempt: number) => void;
  /** Told of every failed attempt, also those a retry will follow. */
  readonly onAttemptFailed: (error: unknown, attempt: number, final: boolean) => void;
}

/**
 * One step of delivery (after Alertmanager's notify.Stage): takes a batch, returns what is
 * left to do, or throws. Stages are composed in one place, `delivery.ts`.
 */
export interface Stage {
  run(batch: readonly Notification[], ctx: FlushContext): Promise<readonly Notification[]>;
}

/** Runs stages in order, each on what the previous one returned. */
export function composeStages(stages: readonly Stage[]): Stage {
  return {
    async run(batch, ctx) {
      let current = batch;
      for (const stage of stages) {
        if (current.length === 0) break;
        current = await stage.run(current, ctx);
      }
      return current;
    },
  };
}
