import type { IncidentSummary, NotificationKind } from '../model/notification.js';

/** A notification decided and waiting for (or done with) delivery. Plain data. */
export interface OutboxItem {
  readonly key: string;
  readonly channel: string;
  readonly kind: NotificationKind;
  readonly step: number;
  readonly time: number;
  /** Not sent before this time: the end of the channel's batch window. */
  readonly notBefore: number;
  readonly rule: string;
  readonly incident: IncidentSummary;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  /**
   * A send was started (and journaled) for this item: the receiver may have it even when no
   * result was recorded, so any later send is a redelivery. Absent in older snapshots.
   */
  attempted?: boolean;
}

export interface OutboxState {
  readonly items: readonly OutboxItem[];
  readonly sentKeys: readonly string[];
}

/** How many sent keys are remembered for dedup. */
const SENT_KEYS_KEPT = 100_000;

/**
 * Notifications waiting for delivery, the batch windows of each channel and rule, and the
 * keys already sent (dedup): a key is never queued twice and never sent twice.
 */
export class Outbox {
  private readonly pending = new Map<string, OutboxItem>();
  private readonly sent = new Set<string>();
  private readonly batches = new Map<string, number>();

  /**
   * Queues a notification unless its key was queued or sent already; with a batch window,
   * notifications of one rule (and `group`, if given) for one channel within the window go
   * out together.
   */
  enqueue(item: Omit<OutboxItem, 'notBefore' | 'status' | 'attempts'>, batchMs: number, group = ''): OutboxItem | undefined {
    if (this.pending.has(item.key) || this.sent.has(item.key)) return undefined;
    let notBefore = item.time;
    if (batchMs > 0) {
      // `group` keeps apart the groups of a rule's `group by` (their label values).
      const batchKey = group === '' ? `${item.channel}\u0000${item.rule}` : `${item.channel}\u0000${item.rule}\u0000${group}`;
      const open = this.batches.get(batchKey);
      if (open !== undefined && open > item.time) notBefore = open;
      else {
        notBefore = item.time + batchMs;
        this.batches.set(batchKey, notBefore);
      }
    }
    const queued: OutboxItem = { ...item, notBefore, status: 'pending', attempts: 0 };
    this.pending.set(item.key, queued);
    return queued;
  }

  /** Pending items due at `now`, oldest first. */
  due(now: number): OutboxItem[] {
    const out: OutboxItem[] = [];
    for (const item of this.pending.values()) if (item.notBefore <= now) out.push(item);
    return out;
  }

  /** The earliest time a pending item becomes due, or undefined. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const item of this.pending.values()) if (next === undefined || item.notBefore < next) next = item.notBefore;
    return next;
  }

  get size(): number {
    return this.pending.size;
  }

  get(key: string): OutboxItem | undefined {
    return this.pending.get(key);
  }

  isSent(key: string): boolean {
    return this.sent.has(key);
  }

  /** Marks keys delivered: they leave the outbox and are remembered for dedup. */
  markSent(keys: readonly string[]): OutboxItem[] {
    const done: OutboxItem[] = [];
    for (const key of keys) {
      const item = this.pending.get(key);
      this.pending.delete(key);
      this.remember(key);
      if (item !== undefined) {
        item.status = 'sent';
        done.push(item);
      }
    }
    return done;
  }

  /** Records that a send of these keys is starting: from now on, sending them again is a redelivery. */
  markAttempted(keys: readonly string[]): void {
    for (const key of keys) {
      const item = this.pending.get(key);
      if (item !== undefined) item.attempted = true;
    }
  }

  /** Records a failed attempt; with `final`, the items leave the outbox for good. */
  markFailed(keys: readonly string[], final: boolean): OutboxItem[] {
    const done: OutboxItem[] = [];
    for (const key of keys) {
      const item = this.pending.get(key);
      if (item === undefined) continue;
      item.attempts++;
      if (final) {
        item.status = 'failed';
        this.pending.delete(key);
        this.remember(key);
      }
      done.push(item);
    }
    return done;
  }

  snapshot(): OutboxState {
    return { items: [...this.pending.values()], sentKeys: [...this.sent] };
  }

  restore(state: OutboxState): void {
    for (const item of state.items) this.pending.set(item.key, item);
    for (const key of state.sentKeys) this.sent.add(key);
  }

  private remember(key: string): void {
    this.sent.add(key);
    if (this.sent.size > SENT_KEYS_KEPT) {
      // Sets iterate in insertion order: drop the oldest.
      const oldest = this.sent.values().next().value as string;
      this.sent.delete(oldest);
    }
  }
}
