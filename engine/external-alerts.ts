import type { Clock } from './clock.js';
import { labelsFingerprint } from './label-fingerprint.js';
import type { PostedAlert } from './model/incident.js';

/**
 * Alerts decided elsewhere (Prometheus, Grafana) and posted to the Alertmanager API, with
 * Alertmanager's label and time semantics: labels are kept verbatim (empty values dropped,
 * names checked), every annotation and the generator URL are kept, `startsAt` and `endsAt`
 * are honoured, and an alert without `endsAt` resolves when the resolve timeout passes
 * without a new post. An alert's identity is its fingerprint, as in Alertmanager.
 */

/** An alert as Prometheus and Grafana post it (`POST /api/v2/alerts`), as it is journaled. */
export interface ExternalAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Epoch ms; missing: `endsAt` if that is set, else when it arrived. */
  readonly startsAt?: number;
  /** Epoch ms; missing: arrival + the resolve timeout. In the past: resolved. */
  readonly endsAt?: number;
  readonly generatorURL?: string;
}

/** One posted alert as kept between posts: plain data, for snapshots. */
export interface ExternalAlertState extends PostedAlert {
  readonly rule: string;
  readonly labels: Readonly<Record<string, string>>;
  /** True when `endsAt` was not posted but set from the resolve timeout. */
  timeout: boolean;
}

/** What happened to a posted alert: it started firing, was posted again, or ended. */
export type ExternalChange = 'firing' | 'updated' | 'resolved';

/** How long an alert without `endsAt` stays firing unless posted again (Alertmanager's default). */
export const RESOLVE_TIMEOUT_MS = 5 * 60_000;

/** The incident rule name of a posted alert without `alertname`. */
export const UNNAMED_ALERT = 'alert';

/** Prometheus' label (and annotation) names, as Alertmanager 0.25 checks them. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** True when `name` is a valid Prometheus label name. */
export function validLabelName(name: string): boolean {
  return LABEL_NAME.test(name);
}

/**
 * Checks one posted alert the way Alertmanager does after dropping empty label values:
 * at least one label, valid label and annotation names, `endsAt` not before `startsAt`.
 * Returns the alert with empty labels dropped, or what is wrong with it.
 */
export function checkExternalAlert(alert: ExternalAlert): { ok: true; alert: ExternalAlert } | { ok: false; error: string } {
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(alert.labels)) {
    if (!validLabelName(name)) return { ok: false, error: `invalid label set: invalid name "${name}"` };
    if (value !== '') labels[name] = value;
  }
  if (Object.keys(labels).length === 0) return { ok: false, error: 'at least one label pair required' };
  for (const name of Object.keys(alert.annotations ?? {})) {
    if (!validLabelName(name)) return { ok: false, error: `invalid annotations: invalid name "${name}"` };
  }
  const startsAt = alert.startsAt ?? alert.endsAt;
  if (startsAt !== undefined && alert.endsAt !== undefined && alert.endsAt < startsAt) {
    return { ok: false, error: 'start time must be before end time' };
  }
  return { ok: true, alert: { ...alert, labels } };
}

/** Labels sorted by name (the order alert labels are kept in everywhere). */
function sorted(labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) if (labels[k] !== '') out[k] = labels[k]!;
  return out;
}

/** What `ExternalAlerts` needs: the clock, and who hears about changes. */
export interface ExternalAlertsOptions {
  readonly clock: Clock;
  readonly onChange: (change: ExternalChange, alert: ExternalAlertState) => void;
}

/**
 * The posted alerts currently firing, by fingerprint. `receive` applies one post at the
 * clock's time; a timer resolves an alert whose `endsAt` passes without a newer post.
 */
export class ExternalAlerts {
  private readonly alerts = new Map<string, ExternalAlertState>();
  private readonly timers = new Map<string, number>();

  constructor(private readonly options: ExternalAlertsOptions) {}

  /** Applies posted alerts at the clock's time; alerts that do not check out are skipped. */
  receive(alerts: readonly ExternalAlert[]): void {
    const now = this.options.clock.now();
    for (const posted of alerts) {
      const checked = checkExternalAlert(posted);
      if (!checked.ok) continue;
      const alert = checked.alert;
      const labels = sorted(alert.labels);
      const fingerprint = labelsFingerprint(labels);
      const timeout = alert.endsAt === undefined;
      const endsAt = alert.endsAt ?? now + RESOLVE_TIMEOUT_MS;
      const startsAt = alert.startsAt ?? alert.endsAt ?? now;
      const known = this.alerts.get(fingerprint);
      if (known !== undefined) {
        // As Alertmanager merges a re-post: the earliest start and the newest post win.
        known.startsAt = Math.min(known.startsAt, startsAt);
        known.endsAt = endsAt;
        known.timeout = timeout;
        known.updatedAt = now;
        known.annotations = { ...(alert.annotations ?? {}) };
        known.generatorURL = alert.generatorURL ?? known.generatorURL;
        if (endsAt <= now) this.end(fingerprint, known);
        else {
          this.options.onChange('updated', known);
          this.arm(fingerprint, endsAt);
        }
        continue;
      }
      if (endsAt <= now) continue;
      const state: ExternalAlertState = {
        fingerprint,
        rule: labels.alertname ?? UNNAMED_ALERT,
        labels,
        annotations: { ...(alert.annotations ?? {}) },
        generatorURL: alert.generatorURL ?? '',
        startsAt,
        endsAt,
        updatedAt: now,
        timeout,
      };
      this.alerts.set(fingerprint, state);
      this.options.onChange('firing', state);
      this.arm(fingerprint, endsAt);
    }
  }

  /** The alerts currently firing. */
  get size(): number {
    return this.alerts.size;
  }

  /** The firing alert with this fingerprint, if any. */
  get(fingerprint: string): ExternalAlertState | undefined {
    return this.alerts.get(fingerprint);
  }

  snapshot(): ExternalAlertState[] {
    return [...this.alerts.values()];
  }

  restore(states: readonly ExternalAlertState[]): void {
    for (const s of states) {
      // Snapshots from before fingerprints were kept hold no annotations: those alerts are
      // posted again by their source within its resend interval.
      if (typeof s.fingerprint !== 'string') continue;
      this.alerts.set(s.fingerprint, { ...s });
      this.arm(s.fingerprint, s.endsAt);
    }
  }

  private end(fingerprint: string, state: ExternalAlertState): void {
    this.alerts.delete(fingerprint);
    this.timers.delete(fingerprint);
    this.options.onChange('resolved', state);
  }

  private arm(fingerprint: string, due: number): void {
    const armed = this.timers.get(fingerprint);
    if (armed !== undefined && armed <= due) return;
    this.timers.set(fingerprint, due);
    this.options.clock.schedule(due, () => {
      if (this.timers.get(fingerprint) !== due) return;
      this.timers.delete(fingerprint);
      const state = this.alerts.get(fingerprint);
      if (state === undefined) return;
      if (this.options.clock.now() >= state.endsAt) this.end(fingerprint, state);
      else this.arm(fingerprint, state.endsAt);
    });
  }
}
