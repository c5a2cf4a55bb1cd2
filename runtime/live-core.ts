import { Core, GROUP_CAP_ALERT, type CoreRules, type Input, type InputBody, type ResultOf } from '../engine/core.js';
import type { Effects, EventRejection, GroupCapReport } from '../engine/effects.js';
import { upgradeInput } from '../engine/input-upgrade.js';
import type { AlertChange } from '../engine/model/alert-change.js';
import type { Sink } from '../engine/model/notification.js';
import type { StepExecutor } from '../engine/playbooks/step.js';
import { Delivery, type DeliveryResult } from './delivery/delivery.js';
import { EngineDriver } from './engine-driver.js';
import { StepDriver } from './step-driver.js';

/**
 * What a snapshot holds: the core's state, the clock time it was taken at, and each
 * source's last checkpoint (absent in snapshots of older versions).
 */
export interface Snapshot {
  readonly at: number;
  readonly core: ReturnType<Core['snapshot']>;
  readonly checkpoints?: Readonly<Record<string, unknown>>;
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
  /** Events older than this behind the clock are refused as late. */
  readonly latenessMs: number;
  /** Events stamped further ahead than this are refused. */
  readonly maxFutureMs: number;
  /** Longest `by` value evaluated; longer ones are told to `onLabelTooLong` and skipped for that rule. */
  readonly maxLabelValueLength: number;
  readonly onLabelTooLong: (rule: string, label: string, length: number) => void;
  readonly dryRun: boolean;
  readonly paused: boolean;
  readonly delivery: { readonly maxAttempts: number; readonly backoffBaseMs: number; readonly backoffMaxMs: number; readonly sendTimeoutMs: number };
  readonly snapshotIntervalMs: number;
  /** Every live alert change (not those replayed at recovery). */
  readonly onChange: (change: AlertChange) => void;
  /** Rules whose group cap refused groups in one step, with how many (for metrics). */
  readonly onGroupCaps: (caps: readonly GroupCapReport[]) => void;
  /** Every delivery attempt's outcome (for metrics). */
  readonly onDelivery: (result: DeliveryResult) => void;
  readonly log: (line: string) => void;
}

/**
 * The core running live: on the wall clock (the engine driver advances the core when its
 * next timer is due), every input journaled before it is applied, the core's effects
 * performed (change lines, notifications delivered, playbook steps run), snapshots taken
 * periodically and at close. `open` replays the journal quietly (effects of the past are
 * not performed again), then goes live.
 */
export class LiveCore {
  readonly core: Core;
  private readonly driver: EngineDriver;
  private readonly delivery: Delivery;
  private readonly steps: StepDriver;
  private live = false;
  private closed = false;
  private snapshotTimer: NodeJS.Timeout | undefined;
  /** Each source's last journaled checkpoint, kept beside the core (the core never reads them). */
  private readonly checkpoints = new Map<string, unknown>();

  private constructor(private readonly options: LiveCoreOptions) {
    this.core = new Core({
      rules: options.rules,
      externalChannels: options.externalChannels,
      dryRun: options.dryRun,
      paused: options.paused,
      incidentUrl: options.incidentUrl,
      maxGroupsPerRule: options.maxGroupsPerRule,
      latenessMs: options.latenessMs,
      maxFutureMs: options.maxFutureMs,
      maxLabelValueLength: options.maxLabelValueLength,
      onLabelTooLong: options.onLabelTooLong,
    });
    this.driver = new EngineDriver({ core: this.core, perform: (effects) => this.perform(effects) });
    this.delivery = new Delivery({
      outbox: this.core.queries,
      sinks: options.sinks,
      onResult: (result) => {
        options.onDelivery(result);
        if (!this.closed) this.submit({ t: 'delivery', result });
      },
      // Journaled (written to the OS) before the send starts, so a kill cannot lose it.
      onAttempt: (attempt) => {
        if (!this.closed) this.submit({ t: 'attempt', ...attempt });
      },
      ...options.delivery,
    });
    this.steps = new StepDriver({ runs: this.core.queries, executor: options.executor, submit: (input) => void this.submit(input) });
  }

  /**
   * Restores the journal's snapshot and replays the records after it, then goes live:
   * the rules get their start, steps interrupted by the last stop are failed, pending
   * deliveries resume, and snapshots are taken every `snapshotIntervalMs`.
   */
  static open(options: LiveCoreOptions, recovered: { readonly snapshot: Snapshot | undefined; readonly records: readonly Input[] }): LiveCore {
    const live = new LiveCore(options);
    const { snapshot, records } = recovered;
    // The core replays on its own clock: each record moves it to the record's time, firing the
    // timers due on the way exactly as they fired live. Effects are not performed again.
    if (snapshot !== undefined) live.core.restore(snapshot.core, snapshot.at);
    for (const [source, value] of Object.entries(snapshot?.checkpoints ?? {})) live.checkpoints.set(source, value);
    for (const input of records) {
      live.core.apply(upgradeInput(input));
      live.noteCheckpoint(input);
    }
    // Timers that fell due while vigil was down fire now; delivery and steps are kicked below.
    live.core.advance(live.driver.time());
    live.live = true;
    // Idempotent: rules new since the snapshot get their start (absence counts from here).
    live.submit({ t: 'start' });
    live.steps.failInterrupted();
    live.steps.kick();
    live.delivery.kick(live.driver.time());
    live.driver.arm();
    live.snapshotTimer = setInterval(() => void live.snapshot(), options.snapshotIntervalMs);
    live.snapshotTimer.unref();
    return live;
  }

  /** The last checkpoint journaled for `source` (see `SourceContext.checkpoint`). */
  checkpoint(source: string): unknown {
    return this.checkpoints.get(source);
  }

  private noteCheckpoint(input: Input): void {
    if (input.t === 'events' && input.checkpoint !== undefined) this.checkpoints.set(input.checkpoint.source, input.checkpoint.value);
  }

  /** The time the next input is stamped with: the wall clock, never behind the core's. */
  now(): number {
    return this.driver.time();
  }

  /** Journals an input at the clock's time, then applies it and performs its effects. */
  submit<I extends InputBody>(input: I): ResultOf<I> {
    const full = { ...input, at: this.now() } as Input;
    this.options.journal.append(full);
    const effects = this.core.apply(full);
    this.driver.handle(effects);
    return effects.result as ResultOf<I>;
  }

  /**
   * Journals a drain's inputs (already stamped with `at`) in one write, then applies them in
   * order; returns each input's refused events (late, too far ahead).
   */
  applyMany(inputs: readonly Input[], json: readonly (string | undefined)[]): (readonly EventRejection[])[] {
    this.options.journal.appendMany(inputs, json);
    return inputs.map((input) => {
      this.noteCheckpoint(input);
      const effects = this.core.apply(input);
      this.driver.handle(effects);
      return effects.rejections;
    });
  }

  /** A problem of vigil's own (Kafka lag, QuestDB down, broken rules) as a self-alert input. */
  selfAlert(name: string, firing: boolean, summary: string): void {
    if (this.closed) return;
    this.submit({ t: 'self', name, firing, summary });
  }

  /** Runs new rules, keeping the state of rules that did not change; returns their names. */
  async reload(rules: CoreRules): Promise<string[]> {
    this.driver.advance();
    const kept = this.core.reload(rules);
    // New rules may have set timers (absence counts from now): the live clock wakes for them.
    this.driver.arm();
    // The journal after this snapshot is always read with the rules now on disk. A reload
    // that ends while closing leaves it to close(), whose snapshot comes before the journal closes.
    if (!this.closed) await this.snapshot();
    return kept;
  }

  /** Saves the core's state; records it covers can then be trimmed. */
  async snapshot(): Promise<void> {
    if (!this.closed) this.driver.advance();
    await this.options.journal.snapshot({ at: this.core.now, core: this.core.snapshot(), checkpoints: Object.fromEntries(this.checkpoints) });
  }

  /**
   * Stops taking inputs of its own, lets running steps and deliveries end, saves a
   * snapshot and closes the journal. The caller has drained its intake before.
   */
  async close(): Promise<void> {
    clearInterval(this.snapshotTimer);
    this.driver.advance();
    this.closed = true;
    await this.steps.close();
    await this.delivery.close();
    await this.snapshot();
    await this.options.journal.close();
    this.driver.stop();
  }

  /** What the core's effects ask for while live: change lines, delivery, steps, group-cap counts. */
  private perform(effects: Effects<unknown>): void {
    if (!this.live) return;
    for (const change of effects.changes) {
      this.options.onChange(change);
      if (change.rule === GROUP_CAP_ALERT && change.state === 'firing') {
        this.options.log(`rule ${change.labels.capped_rule} reached its cap of ${this.options.maxGroupsPerRule} groups; new groups are dropped`);
      }
    }
    if (effects.groupCaps.length > 0) this.options.onGroupCaps(effects.groupCaps);
    if (effects.notifications.length > 0) queueMicrotask(() => this.delivery.kick(this.driver.time()));
    if (effects.steps.length > 0) queueMicrotask(() => this.steps.kick());
  }
}
