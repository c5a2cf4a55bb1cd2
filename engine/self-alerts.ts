import type { AlertChange } from './model/alert-change.js';
import type { Clock } from './clock.js';

/** A self-alert as reported: labels (`alertname` names it), annotations, an optional end. */
interface ExternalAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Epoch ms; missing: when it arrived. */
  readonly startsAt?: number;
  /** Epoch ms; missing: arrival + the resolve timeout. In the past: resolved. */
  readonly endsAt?: number;
  readonly generatorURL?: string;
}

/** One self-alert as kept between reports: plain data, for snapshots. */
export interface SelfAlertState {
  readonly rule: string;
  readonly labels: Readonly<Record<string, string>>;
  /** -1: firing until told otherwise (no timeout). */
  endsAt: number;
  summary: string;
}

/** How long a self-alert without `endsAt` stays firing unless reported again. */
const RESOLVE_TIMEOUT_MS = 5 * 60_000;

/** Alert labels of a self-alert: its labels minus `alertname`, plus `rule` and `severity`, sorted. */
function externalLabels(alert: ExternalAlert): { rule: string; labels: Record<string, string> } {
  const rule = alert.labels.alertname ?? 'external';
  const raw: Record<string, string> = { ...alert.labels, rule, severity: alert.labels.severity ?? 'warning' };
  delete raw.alertname;
  const labels: Record<string, string> = {};
  for (const k of Object.keys(raw).sort()) labels[k] = raw[k]!;
  return { rule, labels };
}

/**
 * vigil's own alerts (a group cap refusing groups, …): each becomes an alert of a
 * pseudo-rule named by its `alertname`, firing until its `endsAt` passes without a newer
 * report. Posted alerts have Alertmanager's semantics instead (`ExternalAlerts`).
 */
export class SelfAlerts {
  private readonly alerts = new Map<string, SelfAlertState>();
  private readonly timers = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly emit: (change: AlertChange, summary: string) => void,
  ) {}

  /**
   * Applies posted alerts at the clock's time. With `untilResolved`, an alert without an
   * `endsAt` fires until an alert with a past `endsAt` resolves it (no timeout).
   */
  receive(alerts: readonly ExternalAlert[], untilResolved = false): void {
    const now = this.clock.now();
    for (const alert of alerts) {
      const { rule, labels } = externalLabels(alert);
      const key = `${rule}${JSON.stringify(labels)}`;
      const endsAt = alert.endsAt ?? (untilResolved ? -1 : now + RESOLVE_TIMEOUT_MS);
      const summary = alert.annotations?.summary ?? alert.annotations?.description ?? '';
      const known = this.alerts.get(key);
      if (endsAt >= 0 && endsAt <= now) {
        if (known !== undefined) this.end(key, known, now);
        continue;
      }
      if (known !== undefined) {
        known.endsAt = endsAt;
        known.summary = summary;
      } else {
        const state: SelfAlertState = { rule, labels, endsAt, summary };
        this.alerts.set(key, state);
        this.emit({ time: now, rule, state: 'firing', labels, value: null }, summary);
      }
      if (endsAt >= 0) this.arm(key, endsAt);
    }
  }

  /** The alerts currently firing. */
  get size(): number {
    return this.alerts.size;
  }

  snapshot(): SelfAlertState[] {
    return [...this.alerts.values()];
  }

  restore(states: readonly SelfAlertState[]): void {
    for (const s of states) {
      const key = `${s.rule}${JSON.stringify(s.labels)}`;
      this.alerts.set(key, { ...s });
      if (s.endsAt >= 0) this.arm(key, s.endsAt);
    }
  }

  private end(key: string, state: SelfAlertState, now: number): void {
    this.alerts.delete(key);
    this.timers.delete(key);
    this.emit({ time: now, rule: state.rule, state: 'resolved', labels: state.labels, value: null }, state.summary);
  }

  private arm(key: string, due: number): void {
    const armed = this.timers.get(key);
    if (armed !== undefined && armed <= due) return;
    this.timers.set(key, due);
    this.clock.schedule(due, () => {
      if (this.timers.get(key) !== due) return;
      this.timers.delete(key);
      const state = this.alerts.get(key);
      if (state === undefined || state.endsAt < 0) return;
      const now = this.clock.now();
      if (now >= state.endsAt) this.end(key, state, now);
      else this.arm(key, state.endsAt);
    });
  }
}
