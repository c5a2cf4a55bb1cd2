import type { SinkFailureReason } from './notification.js';

/** The outcome of one delivery attempt of a batch, fed back to the core as an input. */
export interface DeliveryResult {
  readonly channel: string;
  readonly keys: readonly string[];
  readonly ok: boolean;
  readonly attempt: number;
  /** On failure: the fixed reason and whether this was the last attempt. */
  readonly reason?: SinkFailureReason;
  readonly message?: string;
  readonly final?: boolean;
}
