/**
 * The notification side of a compiled rule set: who hears about which rule, when it
 * escalates, which windows mute it and which alerts inhibit it. Built by the rule compiler
 * from `notify`/`repeat`/`summary`, `channel`, `maintenance` and `inhibit` declarations.
 */

/** Alert labels as predicates see them. */
export type Labels = Readonly<Record<string, string>>;

/** A rule's notification policy. */
export interface NotifyPolicy {
  readonly rule: string;
  /** Escalation steps: step 0 at once, step k at first notification + `afterMs`. */
  readonly steps: readonly { readonly channels: readonly string[]; readonly afterMs: number }[];
  /** Re-notify the current step this often while firing and unacknowledged; 0 = never. */
  readonly repeatMs: number;
  /** The summary template (`{label}`, `{value}`). */
  readonly summary: string;
  /** `group by ... within D`: notifications of alerts with equal values of `labels` within D go out as one. */
  readonly group?: { readonly labels: readonly string[]; readonly withinMs: number };
  /** `open when N alerts within D`: the rule's alerts open incidents only once N of them fired within D. */
  readonly openWhen?: { readonly count: number; readonly withinMs: number };
  /** `flapping N within D`: an alert that fires more than N times within D pages once until it settles. */
  readonly flapping?: { readonly count: number; readonly withinMs: number };
}

/** A channel as the pipeline sees it: the name and its batch window. */
export interface ChannelPolicy {
  readonly name: string;
  readonly batchMs: number;
}

/** One window of a maintenance declaration. */
export type MaintenanceWindow =
  | {
      readonly kind: 'weekly';
      /** ISO weekdays, 1 = Monday ... 7 = Sunday. */
      readonly days: readonly number[];
      /** Minutes after midnight; `toMin` below `fromMin` spans midnight. */
      readonly fromMin: number;
      readonly toMin: number;
      readonly zone: string;
    }
  | { readonly kind: 'absolute'; readonly from: number; readonly to: number };

/** A maintenance declaration: alerts matching `match` are muted while a window is open. */
export interface MaintenanceSpec {
  readonly name: string;
  readonly match: (labels: Labels) => boolean;
  readonly windows: readonly MaintenanceWindow[];
}

/** An inhibit declaration. */
export interface InhibitSpec {
  readonly name: string;
  readonly source: (labels: Labels) => boolean;
  readonly target: (labels: Labels) => boolean;
  readonly equal: readonly string[];
}
