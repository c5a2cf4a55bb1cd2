import type { Clock } from '../clock.js';
import type { Event } from '../model/event.js';
import type { Incident, TimelineKind } from '../model/incident.js';
import type { IncidentBook } from '../incident-book.js';
import type { PlaybookSpec, StepSpec } from './playbook-spec.js';
import { describeResolved, type ResolvedStep, type StepOutcome } from './step.js';
import { fillStepTemplate, fillUrlTemplate, RefusedValue } from './step-template.js';

/** Where a run stands. */
export type RunState = 'awaiting_approval' | 'running' | 'succeeded' | 'failed' | 'skipped';

/** One step of a run as it went. */
export interface RunStep {
  readonly index: number;
  readonly kind: StepSpec['kind'];
  state: 'pending' | 'running' | 'succeeded' | 'failed';
  attempts: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** The command or request as run (after substitution), for people. */
  what: string;
  output: string;
  error: string | null;
}

/** One run of a playbook for one target. Plain data, for snapshots. */
export interface PlaybookRun {
  readonly id: string;
  readonly playbook: string;
  readonly incident: string | null;
  readonly rule: string;
  /** The alert's labels: the target the guards count by. */
  readonly labels: Readonly<Record<string, string>>;
  readonly target: string;
  state: RunState;
  readonly dryRun: boolean;
  readonly createdAt: number;
  readonly requestedBy: string;
  startedAt: number | null;
  finishedAt: number | null;
  approvedBy: string | null;
  /** Index of the current step. */
  step: number;
  /** The current step was handed to an executor (journaled, so a restart never re-runs it). */
  dispatched: boolean;
  /** Deadline of a `wait` step in progress, or -1. */
  waitUntil: number;
  reason: string | null;
  readonly steps: RunStep[];
}

export interface PlaybookRunnerState {
  readonly nextRun: number;
  readonly runs: readonly PlaybookRun[];
  readonly paused: boolean;
}

export interface PlaybookRunnerOptions {
  readonly clock: Clock;
  readonly book: IncidentBook;
  readonly playbooks: () => ReadonlyMap<string, PlaybookSpec>;
  /** Queues a notification about a run to channels (on failure, notify steps). */
  readonly notify: (incident: Incident | undefined, channels: readonly string[], key: string, message: string) => void;
  /** Told when a run has a step for an executor. */
  readonly onDispatchable: () => void;
  readonly dryRun: boolean;
  readonly paused: boolean;
}

/** What a request to run a playbook turned into. */
export type RunRequestResult = { readonly ok: true; readonly run: PlaybookRun } | { readonly ok: false; readonly error: 'unknown_playbook' | 'not_found' | 'not_awaiting_approval' };

/** Runs kept for the API once finished. */
const FINISHED_RUNS_KEPT = 10_000;

/**
 * Remediation runs: guards (`limit N per D` per target, `cooldown`, one run per target at a
 * time, `approve`, the pause switch, dry run), then steps in order. Executable steps are
 * handed to executors outside (their results come back as journaled inputs); `wait` steps
 * watch the events the core applies, `notify` steps queue notifications. Every run and step
 * lands on the incident's timeline. Deterministic, like the rest of the core.
 */
export class PlaybookRunner {
  private readonly runs = new Map<string, PlaybookRun>();
  private nextRun = 1;
  private paused: boolean;
  private readonly matchers = new Map<string, (e: Event) => boolean>();
  private readonly timers = new Map<string, number>();

  constructor(private readonly options: PlaybookRunnerOptions) {
    this.paused = options.paused;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** The global pause switch: while paused, runs are skipped and recorded. */
  setPaused(paused: boolean): void {
    this.paused = paused;
  }

  /** Starts (or skips) a run of `playbook` for an alert; `incident` is null for a manual run without one. */
  request(playbook: string, incident: Incident | null, labels: Readonly<Record<string, string>>, requestedBy: string): RunRequestResult {
    const spec = this.options.playbooks().get(playbook);
    if (spec === undefined) return { ok: false, error: 'unknown_playbook' };
    const now = this.options.clock.now();
    const target = JSON.stringify(labels);
    const run: PlaybookRun = {
      id: `run-${this.nextRun++}`,
      playbook,
      incident: incident?.id ?? null,
      rule: incident?.rule ?? labels.rule ?? '',
      labels,
      target,
      state: 'running',
      dryRun: this.options.dryRun,
      createdAt: now,
      requestedBy,
      startedAt: null,
      finishedAt: null,
      approvedBy: null,
      step: 0,
      dispatched: false,
      waitUntil: -1,
      reason: null,
      steps: spec.steps.map((s, index) => ({ index, kind: s.kind, state: 'pending', attempts: 0, startedAt: null, finishedAt: null, what: '', output: '', error: null })),
    };
    this.runs.set(run.id, run);
    const skip = this.guard(spec, run, now);
    if (skip !== undefined) {
      run.state = 'skipped';
      run.reason = skip;
      run.finishedAt = now;
      this.record(run, 'action_skipped', { reason: skip });
      if (skip.startsWith('limit')) {
        this.options.notify(this.incidentOf(run), spec.onFailure, `${run.id}/skipped`, `playbook ${playbook} skipped: ${skip}`);
      }
      this.trim();
      return { ok: true, run };
    }
    if (spec.approve) {
      run.state = 'awaiting_approval';
      this.record(run, 'action_started', { awaitingApproval: true, requestedBy });
      return { ok: true, run };
    }
    this.begin(run, now);
    return { ok: true, run };
  }

  /** Approves a run waiting for it. */
  approve(id: string, by: string): RunRequestResult {
    const run = this.runs.get(id);
    if (run === undefined) return { ok: false, error: 'not_found' };
    if (run.state !== 'awaiting_approval') return { ok: false, error: 'not_awaiting_approval' };
    run.approvedBy = by;
    run.state = 'running';
    this.begin(run, this.options.clock.now());
    return { ok: true, run };
  }

  /** The current step of `id` was handed to an executor. */
  dispatched(id: string, step: number): void {
    const run = this.runs.get(id);
    if (run === undefined || run.state !== 'running' || run.step !== step) return;
    run.dispatched = true;
    const s = run.steps[step]!;
    s.state = 'running';
    s.attempts++;
    if (s.startedAt === null) s.startedAt = this.options.clock.now();
  }

  /** An executor's result for the current step; `noRetry` for a step whose fate is unknown. */
  stepResult(id: string, step: number, outcome: StepOutcome, noRetry = false): void {
    const run = this.runs.get(id);
    if (run === undefined || run.state !== 'running' || run.step !== step || !run.dispatched) return;
    const spec = this.options.playbooks().get(run.playbook);
    const stepSpec = spec?.steps[step];
    const s = run.steps[step]!;
    s.output = outcome.output;
    run.dispatched = false;
    if (outcome.ok) {
      this.finishStep(run, 'succeeded', { code: outcome.code, output: outcome.output });
      return;
    }
    const retries = !noRetry && stepSpec !== undefined && 'retry' in stepSpec ? stepSpec.retry : 0;
    if (s.attempts <= retries) {
      this.record(run, 'action_step', { step, kind: s.kind, what: s.what, state: 'retrying', attempt: s.attempts, code: outcome.code, error: outcome.error, output: outcome.output });
      s.state = 'pending';
      this.options.onDispatchable();
      return;
    }
    this.finishStep(run, 'failed', { code: outcome.code, error: outcome.error ?? 'failed', output: outcome.output });
  }

  /** Checks events against `wait` steps in progress. */
  onEvent(event: Event): void {
    if (this.matchers.size === 0) return;
    for (const [id, match] of this.matchers) {
      const run = this.runs.get(id);
      if (run === undefined || run.state !== 'running') {
        this.matchers.delete(id);
        continue;
      }
      const spec = this.options.playbooks().get(run.playbook)?.steps[run.step];
      if (spec?.kind !== 'wait' || event.stream !== spec.stream || !match(event)) continue;
      this.matchers.delete(id);
      run.waitUntil = -1;
      this.finishStep(run, 'succeeded', { matched: event.time });
    }
  }

  /** Runs whose current step needs an executor and was not handed to one yet. */
  dispatchable(): { run: PlaybookRun; step: ResolvedStep | { refused: string } }[] {
    const out: { run: PlaybookRun; step: ResolvedStep | { refused: string } }[] = [];
    for (const run of this.runs.values()) {
      if (run.state !== 'running' || run.dispatched) continue;
      const spec = this.options.playbooks().get(run.playbook)?.steps[run.step];
      if (spec === undefined || spec.kind === 'wait' || spec.kind === 'notify') continue;
      out.push({ run, step: this.resolve(spec, run) });
    }
    return out;
  }

  /** Runs that were handed to an executor when the process stopped: their result is unknown. */
  interrupted(): PlaybookRun[] {
    return [...this.runs.values()].filter((r) => r.state === 'running' && r.dispatched);
  }

  get(id: string): PlaybookRun | undefined {
    return this.runs.get(id);
  }

  /** Runs newest first. */
  list(limit = 100): PlaybookRun[] {
    return [...this.runs.values()].reverse().slice(0, limit);
  }

  snapshot(): PlaybookRunnerState {
    return { nextRun: this.nextRun, runs: [...this.runs.values()], paused: this.paused };
  }

  restore(state: PlaybookRunnerState): void {
    this.nextRun = state.nextRun;
    this.paused = state.paused;
    for (const run of state.runs) {
      this.runs.set(run.id, run);
      if (run.state === 'running' && run.waitUntil >= 0) this.armWait(run);
    }
  }

  private guard(spec: PlaybookSpec, run: PlaybookRun, now: number): string | undefined {
    if (this.paused) return 'playbooks are paused';
    let recent = 0;
    let last = -Infinity;
    for (const other of this.runs.values()) {
      if (other === run || other.target !== run.target || other.playbook !== run.playbook) continue;
      if (other.state === 'running' || other.state === 'awaiting_approval') return `a run for this target is in progress (${other.id})`;
      if (other.startedAt === null) continue;
      if (spec.limit !== undefined && other.startedAt > now - spec.limit.perMs) recent++;
      if (other.startedAt > last) last = other.startedAt;
    }
    if (spec.limit !== undefined && recent >= spec.limit.count) return `limit of ${spec.limit.count} runs per ${spec.limit.perMs / 1000}s reached`;
    if (spec.cooldownMs > 0 && now - last < spec.cooldownMs) return `cooldown: last run ${Math.round((now - last) / 1000)}s ago`;
    return undefined;
  }

  private begin(run: PlaybookRun, now: number): void {
    run.startedAt = now;
    this.record(run, 'action_started', { requestedBy: run.requestedBy, approvedBy: run.approvedBy, dryRun: run.dryRun });
    this.enterStep(run);
  }

  /** Sets up the current step: executors are told, waits armed, notifications queued. */
  private enterStep(run: PlaybookRun): void {
    const spec = this.options.playbooks().get(run.playbook);
    const stepSpec = spec?.steps[run.step];
    if (spec === undefined || stepSpec === undefined) {
      this.finishRun(run, spec === undefined ? 'failed' : 'succeeded', spec === undefined ? 'the playbook was removed' : null);
      return;
    }
    const s = run.steps[run.step]!;
    const now = this.options.clock.now();
    if (run.dryRun) {
      const resolved = stepSpec.kind === 'wait' || stepSpec.kind === 'notify' ? undefined : this.resolve(stepSpec, run);
      s.what = resolved === undefined ? stepSpec.kind : 'refused' in resolved ? `refused: ${resolved.refused}` : describeResolved(resolved);
      s.startedAt = now;
      this.finishStep(run, 'succeeded', { dryRun: true, wouldRun: s.what });
      return;
    }
    if (stepSpec.kind === 'notify') {
      s.startedAt = now;
      this.options.notify(this.incidentOf(run), stepSpec.channels, `${run.id}/step-${run.step}`, `playbook ${run.playbook}: step ${run.step + 1} of ${run.steps.length}`);
      this.finishStep(run, 'succeeded', { channels: stepSpec.channels });
      return;
    }
    if (stepSpec.kind === 'wait') {
      s.state = 'running';
      s.startedAt = now;
      s.what = `wait for ${stepSpec.stream} within ${stepSpec.withinMs / 1000}s`;
      run.waitUntil = now + stepSpec.withinMs;
      this.armWait(run);
      return;
    }
    this.options.onDispatchable();
  }

  private armWait(run: PlaybookRun): void {
    const spec = this.options.playbooks().get(run.playbook)?.steps[run.step];
    if (spec?.kind !== 'wait') return;
    this.matchers.set(run.id, spec.match(run.labels));
    const due = run.waitUntil;
    this.timers.set(run.id, due);
    this.options.clock.schedule(due, () => {
      if (this.timers.get(run.id) !== due) return;
      this.timers.delete(run.id);
      if (run.state !== 'running' || run.waitUntil !== due) return;
      this.matchers.delete(run.id);
      run.waitUntil = -1;
      this.finishStep(run, 'failed', { error: `no matching ${spec.stream} event within ${spec.withinMs / 1000}s` });
    });
  }

  private resolve(spec: Exclude<StepSpec, { kind: 'wait' | 'notify' }>, run: PlaybookRun): ResolvedStep | { refused: string } {
    const fill = (t: string): string => fillStepTemplate(t, run.labels);
    try {
      switch (spec.kind) {
        case 'exec':
          return { kind: 'exec', argv: spec.argv.map(fill), timeoutMs: spec.timeoutMs };
        case 'ssh':
          return { kind: 'ssh', target: fill(spec.target), argv: spec.argv.map(fill), timeoutMs: spec.timeoutMs };
        case 'http':
          return {
            kind: 'http',
            method: spec.method,
            url: fillUrlTemplate(spec.url, run.labels),
            body: spec.body === undefined ? undefined : fill(spec.body),
            headers: spec.headers.map((h) => ({ name: h.name, value: fill(h.value) })),
            expectStatus: spec.expectStatus,
            timeoutMs: spec.timeoutMs,
          };
        case 'docker':
          return { kind: 'docker', action: 'restart', container: fill(spec.container), timeoutMs: spec.timeoutMs };
      }
    } catch (e) {
      if (e instanceof RefusedValue) return { refused: e.message };
      throw e;
    }
  }

  /** Records the what of a step handed to an executor (called by the driver before it runs). */
  describe(id: string, what: string): void {
    const run = this.runs.get(id);
    if (run !== undefined) run.steps[run.step]!.what = what;
  }

  /** A step that could not be filled in safely fails without running. */
  refuse(id: string, step: number, reason: string): void {
    const run = this.runs.get(id);
    if (run === undefined || run.state !== 'running' || run.step !== step) return;
    this.finishStep(run, 'failed', { error: `refused: ${reason}` });
  }

  private finishStep(run: PlaybookRun, state: 'succeeded' | 'failed', detail: Record<string, unknown>): void {
    const s = run.steps[run.step]!;
    s.state = state;
    s.finishedAt = this.options.clock.now();
    if (typeof detail.error === 'string') s.error = detail.error;
    this.record(run, 'action_step', { step: run.step, kind: s.kind, what: s.what, state, attempts: s.attempts, ...detail });
    if (state === 'failed') {
      this.finishRun(run, 'failed', `step ${run.step + 1} (${s.kind}) failed${s.error ? `: ${s.error}` : ''}`);
      return;
    }
    run.step++;
    run.dispatched = false;
    if (run.step >= run.steps.length) this.finishRun(run, 'succeeded', null);
    else this.enterStep(run);
  }

  private finishRun(run: PlaybookRun, state: 'succeeded' | 'failed', reason: string | null): void {
    run.state = state;
    run.reason = reason;
    run.finishedAt = this.options.clock.now();
    run.waitUntil = -1;
    this.matchers.delete(run.id);
    this.record(run, state === 'succeeded' ? 'action_succeeded' : 'action_failed', { reason, dryRun: run.dryRun });
    if (state === 'failed') {
      const spec = this.options.playbooks().get(run.playbook);
      this.options.notify(this.incidentOf(run), spec?.onFailure ?? [], `${run.id}/failed`, `playbook ${run.playbook} failed: ${reason ?? ''}`);
    }
    this.trim();
  }

  /** Drops the oldest finished runs past the number kept. */
  private trim(): void {
    if (this.runs.size <= FINISHED_RUNS_KEPT) return;
    for (const [id, run] of this.runs) {
      if (this.runs.size <= FINISHED_RUNS_KEPT) break;
      if (run.finishedAt !== null) this.runs.delete(id);
    }
  }

  private incidentOf(run: PlaybookRun): Incident | undefined {
    return run.incident === null ? undefined : this.options.book.get(run.incident);
  }

  private record(run: PlaybookRun, kind: TimelineKind, detail: Record<string, unknown>): void {
    const incident = this.incidentOf(run);
    const full = { run: run.id, playbook: run.playbook, ...detail };
    if (incident !== undefined) this.options.book.record(this.options.clock.now(), incident, kind, full);
    else this.options.book.recordLoose(this.options.clock.now(), run.rule, kind, run.labels, full);
  }
}
