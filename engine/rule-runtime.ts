import type { AlertChange } from './model/alert-change.js';
import { stepAlert, type AlertPhase, type AlertState, type AlertTiming } from './alert-state.js';
import type { Clock } from './clock.js';
import type { Event } from './model/event.js';
import { IdleList, type IdleLinks } from './idle-list.js';
import type { RuleSpec } from './rule-spec.js';

/**
 * One group of a rule (one combination of `by` values). The group is its own alert state
 * (phase, deadline, since) so an idle group costs one small object.
 */
export interface Group extends AlertState, IdleLinks<Group> {
  readonly key: string;
  /** The `by` values of a rule with several; null otherwise (the key is the one value). */
  readonly values: readonly (string | undefined)[] | null;
  /** Condition state (plain data). */
  cond: unknown;
  holds: boolean;
  /** Due time of the timer currently set for this group, or -1. */
  timerDue: number;
  evicted: boolean;
  /** Rendered labels, made when the group first reports a change. */
  labels: Readonly<Record<string, string>> | null;
}

/** Most idle groups one new group evicts at once, so the next new groups find room without looking. */
const EVICT_BATCH = 64;
/**
 * Least recently active groups that are inactive but whose condition is not idle yet (a
 * window still holding events) that making room looks past before it gives up: it stays
 * O(1) when no group can go, at the price of refusing a group while an idle one sits
 * behind more than this many busy ones.
 */
const SKIP_BUDGET = 32;

/** A group as plain data, for snapshots. */
export interface GroupState {
  readonly key: string;
  readonly values: readonly (string | undefined)[] | null;
  readonly cond: unknown;
  readonly holds: boolean;
  readonly phase: AlertPhase;
  readonly deadline: number;
  readonly since: number;
}

/** What a group reports to the outside: its labels, alert phase and condition state. */
export interface GroupView {
  readonly labels: Readonly<Record<string, string>>;
  readonly phase: AlertPhase;
  readonly since: number;
  readonly holds: boolean;
  readonly value: unknown;
}

export interface RuleRuntimeOptions {
  readonly rule: RuleSpec;
  readonly clock: Clock;
  readonly emit: (change: AlertChange) => void;
  /** Most groups kept for this rule; past it idle groups are dropped, then new ones refused. */
  readonly maxGroups: number;
  /** Told once each time the cap refuses a group (until the map has room again). */
  readonly onGroupCap: (rule: string, maxGroups: number) => void;
  /** Told of every group the cap refuses (counted), and when the map takes groups again. */
  readonly onGroupDropped?: (rule: string, maxGroups: number) => void;
  readonly onGroupRoom?: (rule: string) => void;
  /** Longest `by` value a group key may hold (default: no limit); longer ones are refused. */
  readonly maxLabelValueLength?: number;
  /** Told each time an event is not evaluated because a `by` value is longer than the limit. */
  readonly onLabelTooLong?: (rule: string, label: string, length: number) => void;
}

/** Joins `by` values into a group key; a missing value has its own mark so it differs from "". */
const MISSING = '\u0001';
const SEP = '\u0000';

function keyPart(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/**
 * Runs one compiled rule: keeps its groups, feeds them events and timer wake-ups, drives
 * each group's alert state machine and reports every change. One timer at most is set per
 * group, at the earliest of the condition's and the alert's deadlines.
 */
export class RuleRuntime {
  readonly rule: RuleSpec;
  private readonly groups = new Map<string, Group>();
  /**
   * Eviction candidates, least recently active first: every group is put at the back on
   * each event and when it is created; a group found firing or holding while making room
   * leaves the list until its next event or timer wake-up.
   */
  private readonly idle = new IdleList<Group>();
  private readonly clock: Clock;
  private readonly emit: (change: AlertChange) => void;
  private readonly timing: AlertTiming;
  private readonly maxGroups: number;
  private readonly onGroupCap: (rule: string, maxGroups: number) => void;
  private readonly onGroupDropped: ((rule: string, maxGroups: number) => void) | undefined;
  private readonly onGroupRoom: ((rule: string) => void) | undefined;
  private readonly maxLabelLength: number;
  private readonly onLabelTooLong: (rule: string, label: string, length: number) => void;
  private capReported = false;

  constructor(options: RuleRuntimeOptions) {
    this.rule = options.rule;
    this.clock = options.clock;
    this.emit = options.emit;
    this.timing = { forMs: options.rule.forMs, keepMs: options.rule.keepMs };
    this.maxGroups = options.maxGroups;
    this.onGroupCap = options.onGroupCap;
    this.onGroupDropped = options.onGroupDropped;
    this.onGroupRoom = options.onGroupRoom;
    this.maxLabelLength = options.maxLabelValueLength ?? Infinity;
    this.onLabelTooLong = options.onLabelTooLong ?? (() => {});
  }

  /** Number of groups currently kept. */
  get groupCount(): number {
    return this.groups.size;
  }

  /** Starts the rule at `now`: a rule whose single group exists from the start gets it. */
  start(now: number): void {
    if (this.rule.startsAtStart && !this.groups.has('')) {
      const group = this.newGroup('', null, now);
      this.groups.set('', group);
      this.idle.touch(group);
      this.schedule(group);
    }
  }

  /** Applies an event that matched the rule's selectors (`match` bit set) at clock time. */
  onEvent(event: Event, match: number): void {
    const now = this.clock.now();
    const group = this.groupFor(event, now);
    if (group === undefined) return;
    const holds = this.rule.condition.onEvent(group.cond, event, match, now, group.holds);
    this.update(group, holds, now);
    this.schedule(group);
  }

  /** Every group as plain data (the condition state is plain data already). */
  snapshot(): GroupState[] {
    const out: GroupState[] = [];
    for (const g of this.groups.values()) {
      out.push({ key: g.key, values: g.values, cond: g.cond, holds: g.holds, phase: g.phase, deadline: g.deadline, since: g.since });
    }
    return out;
  }

  /** Takes over groups from a snapshot (or from the same rule before a reload) and re-arms their timers. */
  restore(groups: readonly GroupState[]): void {
    for (const s of groups) {
      const group: Group = { ...s, values: s.values, timerDue: -1, evicted: false, labels: null, idlePrev: null, idleNext: null };
      this.groups.set(s.key, group);
      this.idle.touch(group);
      this.schedule(group);
    }
  }

  /** The groups' current state, for the API and tests. */
  *view(): IterableIterator<GroupView> {
    for (const group of this.groups.values()) {
      yield {
        labels: this.labelsOf(group),
        phase: group.phase,
        since: group.since,
        holds: group.holds,
        value: this.rule.condition.value(group.cond),
      };
    }
  }

  private groupFor(event: Event, now: number): Group | undefined {
    const by = this.rule.by;
    let key: string;
    let values: (string | undefined)[] | null = null;
    if (by.length === 0) {
      key = '';
    } else if (by.length === 1) {
      key = keyPart(by[0]!.get(event)) ?? MISSING;
      if (key.length > this.maxLabelLength) return this.labelTooLong(0, key.length);
    } else {
      values = by.map((f) => keyPart(f.get(event)));
      for (let i = 0; i < values.length; i++) {
        const length = values[i]?.length ?? 0;
        if (length > this.maxLabelLength) return this.labelTooLong(i, length);
      }
      key = values.map((v) => v ?? MISSING).join(SEP);
    }
    const existing = this.groups.get(key);
    if (existing !== undefined) {
      this.idle.touch(existing);
      return existing;
    }
    if (this.groups.size >= this.maxGroups && !this.makeRoom(now)) {
      if (!this.capReported) {
        this.capReported = true;
        this.onGroupCap(this.rule.name, this.maxGroups);
      }
      this.onGroupDropped?.(this.rule.name, this.maxGroups);
      return undefined;
    }
    if (this.capReported) {
      this.capReported = false;
      this.onGroupRoom?.(this.rule.name);
    }
    const group = this.newGroup(key, values, now);
    this.groups.set(key, group);
    this.idle.touch(group);
    return group;
  }

  /** One huge `by` value must not make a huge key: the event is not evaluated for this rule. */
  private labelTooLong(index: number, length: number): undefined {
    this.onLabelTooLong(this.rule.name, this.rule.by[index]!.label, length);
    return undefined;
  }

  private newGroup(key: string, values: readonly (string | undefined)[] | null, now: number): Group {
    return {
      key,
      values,
      cond: this.rule.condition.init(now),
      holds: false,
      phase: 'inactive',
      deadline: -1,
      since: now,
      timerDue: -1,
      evicted: false,
      labels: null,
      idlePrev: null,
      idleNext: null,
    };
  }

  /**
   * Drops the least recently active idle groups (inactive, not holding, condition idle),
   * up to EVICT_BATCH; true if that made room. O(1) amortised: a group taken out of the
   * list because it fires or holds was put there by an event or a wake-up, and at most
   * SKIP_BUDGET busy groups are looked at and left in place.
   */
  private makeRoom(now: number): boolean {
    const condition = this.rule.condition;
    let evicted = 0;
    let skipped = 0;
    let group = this.idle.first();
    while (group !== null && evicted < EVICT_BATCH && skipped < SKIP_BUDGET) {
      const next = group.idleNext;
      if (group.phase !== 'inactive' || group.holds) {
        this.idle.remove(group);
      } else if (condition.idle(group.cond, now, false)) {
        this.idle.remove(group);
        group.evicted = true;
        this.groups.delete(group.key);
        evicted++;
      } else {
        skipped++;
      }
      group = next;
    }
    return this.groups.size < this.maxGroups;
  }

  private wake(group: Group, due: number): void {
    if (group.evicted || group.timerDue !== due) return;
    group.timerDue = -1;
    // A group taken out of the eviction candidates while it fired comes back when a timer resolves it.
    if (!this.idle.has(group)) this.idle.touch(group);
    const now = this.clock.now();
    const condition = this.rule.condition;
    let holds = group.holds;
    const condDue = condition.deadline(group.cond, holds);
    if (condDue >= 0 && now >= condDue) holds = condition.onTime(group.cond, now, holds);
    this.update(group, holds, now);
    this.schedule(group);
  }

  /** Feeds the alert state machine when the condition changed or an alert deadline passed. */
  private update(group: Group, holds: boolean, now: number): void {
    if (holds === group.holds && !(group.deadline >= 0 && now >= group.deadline)) return;
    group.holds = holds;
    const { state, emit } = stepAlert(group, holds, now, this.timing);
    if (state !== group) {
      group.phase = state.phase;
      group.deadline = state.deadline;
      group.since = state.since;
    }
    if (emit !== null) {
      const value = this.rule.condition.value(group.cond);
      this.emit({
        time: now,
        rule: this.rule.name,
        state: emit,
        labels: this.labelsOf(group),
        value: value === undefined ? null : (value as AlertChange['value']),
      });
    }
  }

  private schedule(group: Group): void {
    const condDue = this.rule.condition.deadline(group.cond, group.holds);
    let due = group.deadline;
    if (condDue >= 0 && (due < 0 || condDue < due)) due = condDue;
    if (due < 0) return;
    if (group.timerDue >= 0 && group.timerDue <= due) return;
    group.timerDue = due;
    this.clock.schedule(due, () => this.wake(group, due));
  }

  private labelsOf(group: Group): Readonly<Record<string, string>> {
    if (group.labels !== null) return group.labels;
    const raw: Record<string, string> = {};
    const by = this.rule.by;
    for (let i = 0; i < by.length; i++) {
      const v = group.values !== null ? group.values[i] : group.key === MISSING ? undefined : group.key;
      if (v !== undefined) raw[by[i]!.label] = v;
    }
    Object.assign(raw, this.rule.extraLabels(raw));
    raw.rule = this.rule.name;
    raw.severity = this.rule.severity;
    const sorted: Record<string, string> = {};
    for (const k of Object.keys(raw).sort()) sorted[k] = raw[k]!;
    group.labels = sorted;
    return sorted;
  }
}
