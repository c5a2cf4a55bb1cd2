import { Core, type CoreRules, type Input, type InputBody } from '../engine/core.js';
import type { AlertChange } from '../engine/model/alert-change.js';
import type { Sink } from '../engine/model/notification.js';
import type { StepExecutor } from '../engine/playbooks/step.js';
import { Delivery, type DeliveryResult } from './delivery/delivery.js';
import { StepDriver } from './step-driver.js';
import { WallClock } from './wall-clock.js';

/** What a snapshot holds: the core's state and the clock time it was taken at. */
export interface Snapshot {
  readonly at: number;
  readonly core: ReturnType<Core['snapshot']>;
}

/** The journal as the live core uses it (`sinks/store/journal.ts` is the one vigil runs on). */
export interface LiveJournal {
  append(input: Input): unknown;
  appendMany(inputs: readonly Input[], json?: readonly (string | undefined)[]): unknown;
  snapshot(state: Snapshot): Promise<void>;
  close(): Promise<void>;
}

/** What `LiveCore` needs: the journal, the rules, where notifications and steps go, and tuning. */
export interface LiveCoreOptions {
  readonly journal: LiveJournal;
  readonly rules: CoreRules;
  /** The channels by name, as of now (they change on reload). */
  readonly sinks: () => ReadonlyMap<string, Sink>;
  readonly executor: StepExecutor;
  /** Channels told about alerts posted by Prometheus or Grafana. */
  readonly externalChannels: readonly string[];
  readonly incidentUrl: (id: string) => string;
  readonly maxGroupsPerRule: number;
  /** Longest `by` value evaluated; longer ones are told to `onLabelTooLong` and skipped for that rule. */
  readonly maxLabelValueLength: number;
  readonly onLabelTooLong: (rule: string, label: string, length: number) => void;
  readonly dryRun: boolean;
  readonly paused: boolean;
  readonly delivery: { readonly maxAttempts: number; readonly backoffBaseMs: number; readonly backoffMaxMs: number; readonly sendTimeoutMs: number };
  readonly snapshotIntervalMs: number;
  /** Every live alert change (not those replayed at recovery). */
  readonly onChange: (change: AlertChange) => void;
  /** Every delivery attempt's outcome (for metrics). */
  readonly onDelivery: (result: DeliveryResult) => void;
  readonly log: (line: string) => void;
}

/**
 * The core running live: on the wall clock, every input journaled before it is applied,
 * notifications delivered and playbook steps run as the core queues them, snapshots
 * taken periodically and at close. `open` replays the journal (in virtual time, quietly),
 * then goes live.
 */
export class LiveCore {
  readonly clock = new WallClock();
  readonly core: Core;
  private readonly delivery: Delivery;
  private readonly steps: StepDriver;
  private live = false;
  private closed = false;
  private snapshotTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: LiveCoreOptions) {
    this.core = new Core({
      clock: this.clock,
      rules: options.rules,
      externalChannels: options.externalChannels,
      dryRun: options.dryRun,
      paused: options.paused,
      incidentUrl: options.incidentUrl,
      maxGroupsPerRule: options.maxGroupsPerRule,
      maxLabelValueLength: options.maxLabelValueLength,
      onLabelTooLong: options.onLabelTooLong,
      onGroupCap: (rule, max) => options.log(`rule ${rule} reached its cap of ${max} groups; new groups are dropped`),
      // While the journal is replayed nothing is delivered, run or printed: it happened before.
      onDispatchable: () => {
        if (this.live) queueMicrotask(() => this.steps.kick());
      },
      onQueued: () => {
        if (this.live) queueMicrotask(() => this.delivery.kick());
      },
      onChange: (change) => {
        if (this.live) options.onChange(change);
      },
    });
    this.delivery = new Delivery({
      clock: this.clock,
      outbox: this.core.notifier.outbox,
      sinks: options.sinks,
      onResult: (result) => {
        options.onDelivery(result);
        if (!this.closed) this.submit({ t: 'delivery', result });
      },
      ...options.delivery,
    });
    this.steps = new StepDriver({ runner: this.core.runner, executor: options.executor, submit: (input) => void this.submit(input) });
  }

  /**
   * Restores the journal's snapshot and replays the records after it, then goes live:
   * the rules get their start, steps interrupted by the last stop are failed, pending
   * deliveries resume, and snapshots are taken every `snapshotIntervalMs`.
   */
  static open(options: LiveCoreOptions, recovered: { readonly snapshot: Snapshot | undefined; readonly records: readonly Input[] }): LiveCore {
    const live = new LiveCore(options);
    const { snapshot, records } = recovered;
    if (snapshot !== undefined) {
      live.clock.beginReplay(snapshot.at);
      live.core.restore(snapshot.core);
    } else if (records.length > 0) {
      live.clock.beginReplay(records[0]!.at);
    }
    for (const input of records) {
      live.clock.replayTo(input.at);
      live.core.apply(input);
    }
    live.clock.goLive();
    live.live = true;
    // Idempotent: rules new since the snapshot get their start (absence counts from here).
    live.submit({ t: 'start' });
    live.steps.failInterrupted();
    live.steps.kick();
    live.delivery.kick();
    live.snapshotTimer = setInterval(() => void live.snapshot(), options.snapshotIntervalMs);
    live.snapshotTimer.unref();
    return live;
  }

  /** The clock's time, caught up with the wall. */
  now(): number {
    this.clock.catchUp();
    return this.clock.now();
  }

  /** Journals an input at the clock's time, then applies it. */
  submit(input: InputBody): ReturnType<Core['apply']> {
    const full = { ...input, at: this.now() } as Input;
    this.options.journal.append(full);
    return this.core.apply(full);
  }

  /** Journals a batch of inputs (already stamped with `at`) in one write; the caller applies them. */
  journalMany(inputs: readonly Input[], json: readonly (string | undefined)[]): void {
    this.options.journal.appendMany(inputs, json);
  }

  /**
   * A problem of vigil's own (Kafka lag, QuestDB down) as an alert of a pseudo-rule, through
   * the same path as alerts posted by Prometheus: it fires while `firing` is repeated and
   * resolves when told so.
   */
  selfAlert(name: string, firing: boolean, summary: string): void {
    if (this.closed) return;
    const now = this.now();
    this.submit({
      t: 'alerts',
      alerts: [{ labels: { alertname: name, severity: 'warning', source: 'vigil' }, annotations: { summary }, endsAt: firing ? now + 10 * 60_000 : now }],
    });
  }

  /** Runs new rules, keeping the state of rules that did not change; returns their names. */
  async reload(rules: CoreRules): Promise<string[]> {
    this.clock.catchUp();
    const kept = this.core.reload(rules);
    // The journal after this snapshot is always read with the rules now on disk. A reload
    // that ends while closing leaves it to close(), whose snapshot comes before the journal closes.
    if (!this.closed) await this.snapshot();
    return kept;
  }

  /** Saves the core's state; records it covers can then be trimmed. */
  async snapshot(): Promise<void> {
    await this.options.journal.snapshot({ at: this.now(), core: this.core.snapshot() });
  }

  /**
   * Stops taking inputs of its own, lets running steps and deliveries end, saves a
   * snapshot and closes the journal. The caller has drained its intake before.
   */
  async close(): Promise<void> {
    clearInterval(this.snapshotTimer);
    this.closed = true;
    await this.steps.close();
    await this.delivery.close();
    await this.snapshot();
    await this.options.journal.close();
    this.clock.stop();
  }
}
