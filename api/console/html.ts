import { html as preactHtml } from 'htm/preact';

/** Tagged templates for Preact elements: JSX without a compile step (htm, bound to Preact). */
export const html = preactHtml;

/** "3m", "2h 5m", "4d": how long ago an ISO time was, for ages and "last change". */
export function ago(iso: string | null, now: number): string {
  if (iso === null) return '—';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d`;
}

/** "in 12s": how long until an ISO time, "due" once it has passed. */
export function until(iso: string, now: number): string {
  const ms = Date.parse(iso) - now;
  return ms <= 0 ? 'due' : `in ${ago(new Date(now - ms).toISOString(), now)}`;
}

/** A time as the operator reads it: local, to the second. */
export function clock(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { hour12: false });
}

/** Labels worth showing in a row: without `rule`, `severity` and `alertname`, which the row shows already. */
export function shownLabels(labels: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(labels).filter(([k]) => k !== 'rule' && k !== 'severity' && k !== 'alertname');
}
