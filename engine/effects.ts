import type { AlertChange } from './model/alert-change.js';
import type { OutboxItem } from './notify/outbox.js';
import type { PlaybookRun } from './playbooks/playbook-runner.js';
import type { ResolvedStep } from './playbooks/step.js';

/** An event the core refused, by its index in the input's `events`, with the reason. */
export interface EventRejection {
  readonly index: number;
  readonly error: string;
}

/** A rule's group cap refused new groups during one step: `dropped` of them. */
export interface GroupCapReport {
  readonly rule: string;
  readonly maxGroups: number;
  readonly dropped: number;
}

/** A playbook step that waits for an executor (or was refused when its values were filled in). */
export interface DispatchableStep {
  readonly run: PlaybookRun;
  readonly step: ResolvedStep | { readonly refused: string };
}

/**
 * What one `Core.apply` or `Core.advance` says must happen outside the core, as plain data:
 * the runtime performs it (prints changes, delivers notifications, runs steps, counts
 * metrics) and feeds the outcomes back as journaled inputs. `result` answers the input
 * itself (a human action, a playbook request); `nextDeadline` is when the core must be
 * advanced next, or null when no timer is pending.
 */
export interface Effects<R = undefined> {
  readonly result: R;
  /** Alert state changes, in the order they happened. */
  readonly changes: readonly AlertChange[];
  /** Notifications that became due for delivery (queued now, or their batch window ended). */
  readonly notifications: readonly OutboxItem[];
  /** Playbook steps ready to hand to an executor, when any became ready. */
  readonly steps: readonly DispatchableStep[];
  /** Events of an `events` input that were refused (too late, too far in the future). */
  readonly rejections: readonly EventRejection[];
  /** Rules whose group cap refused groups. */
  readonly groupCaps: readonly GroupCapReport[];
  readonly nextDeadline: number | null;
}
