import type { CoreQueries } from '../../engine/core-queries.js';
import type { DeliveryResult } from '../../engine/model/delivery-result.js';
import { SinkError, type Notification, type Sink, type SinkFailureReason } from '../../engine/model/notification.js';
import type { OutboxItem } from '../../engine/notify/outbox.js';
import { dedupStage } from './dedup-stage.js';
import { retryStage } from './retry-stage.js';
import { sendStage } from './send-stage.js';
import { composeStages } from './stage.js';

export type { DeliveryResult };

/** A delivery attempt about to start (journaled before the send, see `DeliveryOptions.onAttempt`). */
export interface DeliveryAttempt {
  readonly channel: string;
  readonly keys: readonly string[];
  readonly attempt: number;
}

export interface DeliveryOptions {
  /** The core's outbox, read-only: what is due, what was sent. */
  readonly outbox: Pick<CoreQueries, 'pendingNotifications' | 'notificationSent'>;
  readonly sinks: () => ReadonlyMap<string, Sink>;
  /** Every attempt's outcome; the caller journals it and updates the outbox and timeline. */
  readonly onResult: (result: DeliveryResult) => void;
  /**
   * Called synchronously before every send; the caller journals it (and applies it to the
   * outbox), so after a crash an item with an attempt but no result is sent again marked as
   * a redelivery, and an item without one is sent normally.
   */
  readonly onAttempt?: (attempt: DeliveryAttempt) => void;
  readonly maxAttempts?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  readonly sendTimeoutMs?: number;
}

/**
 * Takes due batches from the outbox and delivers them: batch (items of one channel and
 * rule due together) → dedup → retry with backoff → send. A batch in flight is never
 * started twice; results are reported, never thrown. It looks when told to (`kick`): the
 * runtime kicks it when the core's effects name notifications that became due.
 */
export class Delivery {
  private readonly inFlight = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(private readonly options: DeliveryOptions) {}

  /** Looks at the outbox at `now`: starts every due batch not already on its way. */
  kick(now: number): void {
    if (this.abort.signal.aborted) return;
    const batches = new Map<string, OutboxItem[]>();
    for (const item of this.options.outbox.pendingNotifications(now)) {
      if (this.inFlight.has(item.key)) continue;
      const batchKey = `${item.channel}\u0000${item.rule}\u0000${item.notBefore}`;
      let list = batches.get(batchKey);
      if (list === undefined) batches.set(batchKey, (list = []));
      list.push(item);
    }
    for (const items of batches.values()) this.start(items);
  }

  /** Number of batches on their way. */
  get pending(): number {
    return this.running.size;
  }

  /** Waits until nothing is in flight (tests, graceful shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** Stops: aborts what is in flight (it stays in the outbox) and waits for it to settle. */
  async close(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.running]);
  }

  private start(items: OutboxItem[]): void {
    const channel = items[0]!.channel;
    const keys = items.map((i) => i.key);
    for (const k of keys) this.inFlight.add(k);
    const notifications: Notification[] = items.map((i) => ({
      key: i.key,
      channel: i.channel,
      kind: i.kind,
      time: i.time,
      step: i.step,
      incident: i.incident,
      ...(i.attempted === true ? { redelivery: true } : {}),
    }));
    const { outbox } = this.options;
    const pipeline = composeStages([
      dedupStage({ isSent: (key) => outbox.notificationSent(key) }),
      retryStage({
        inner: sendStage({ sink: this.options.sinks().get(channel), timeoutMs: this.options.sendTimeoutMs ?? 10_000 }),
        maxAttempts: this.options.maxAttempts ?? 6,
        baseMs: this.options.backoffBaseMs ?? 1000,
        maxMs: this.options.backoffMaxMs ?? 60_000,
      }),
    ]);
    let lastAttempt = 0;
    const task = pipeline
      .run(notifications, {
        channel,
        signal: this.abort.signal,
        onAttempt: (sending, attempt) => this.options.onAttempt?.({ channel, keys: sending, attempt }),
        onAttemptFailed: (error, attempt, final) => {
          lastAttempt = attempt;
          const reason: SinkFailureReason = error instanceof SinkError ? error.reason : 'connection';
          const message = error instanceof Error ? error.message : String(error);
          this.options.onResult({ channel, keys, ok: false, attempt, reason, message, final });
        },
      })
      .then(
        () => {
          if (!this.abort.signal.aborted) this.options.onResult({ channel, keys, ok: true, attempt: lastAttempt + 1 });
        },
        () => {
          // Reported through onAttemptFailed, or aborted on shutdown (the batch stays queued).
        },
      )
      .finally(() => {
        for (const k of keys) this.inFlight.delete(k);
        this.running.delete(task);
      });
    this.running.add(task);
  }
}
