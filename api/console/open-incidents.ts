import { api } from './client.js';
import type { EntryView, IncidentView } from './types.js';

/** Severities from most to least urgent; others sort after these. */
const SEVERITY_RANK: Readonly<Record<string, number>> = { critical: 0, error: 1, warning: 2, info: 3 };

/** The sort rank of a severity (lower is more urgent). */
export function severityRank(severity: string): number {
  return SEVERITY_RANK[severity] ?? 4;
}

/** Most severe first, then newest first. */
export function compareIncidents(a: IncidentView, b: IncidentView): number {
  return severityRank(a.severity) - severityRank(b.severity) || (a.openedAt < b.openedAt ? 1 : a.openedAt > b.openedAt ? -1 : 0);
}

/** Most incidents one page of the list holds (the API's maximum). */
const PAGE = 1000;
/** The first page is smaller, so the newest incidents are drawn while the rest loads. */
const FIRST_PAGE = 100;

/**
 * The open incidents as the Now page shows them: loaded once page by page, then kept
 * current from the event stream's timeline entries alone (an entry carries what a row
 * needs), so no update waits for another request. `heldBy` remembers what silenced or
 * inhibited an incident, as the stream reports it.
 */
export class OpenIncidents {
  readonly incidents = new Map<string, IncidentView>();
  readonly heldBy = new Map<string, string>();
  private readonly listeners = new Set<() => void>();
  private sorted: IncidentView[] | undefined;
  /** Bumped on every change, so views can tell they must render again. */
  version = 0;
  /** True once the first page is in. */
  loaded = false;
  /** True once every page is in. */
  complete = false;

  /**
   * Reads every open incident (firing, then acknowledged), a page at a time. The first
   * load shows the first page as soon as it arrives, so the newest incidents are on screen
   * before the last page is read; a reload (after the stream reconnects) swaps the list in whole.
   */
  async load(): Promise<void> {
    const first = !this.loaded;
    const fresh = first ? this.incidents : new Map<string, IncidentView>();
    this.complete = false;
    for (const status of ['firing', 'acknowledged'] as const) {
      let before: string | null = null;
      let limit = first ? FIRST_PAGE : PAGE;
      do {
        const query: string = `/v1/incidents?status=${status}&limit=${limit}${before === null ? '' : `&before=${encodeURIComponent(before)}`}`;
        const page: { incidents: IncidentView[]; next: string | null } = await api('GET', query);
        for (const inc of page.incidents) if (!first || !fresh.has(inc.id)) fresh.set(inc.id, inc);
        before = page.next;
        limit = PAGE;
        // The first page is drawn at once; the rest are drawn together when all are in,
        // rather than sorting and drawing again after each one.
        if (first && !this.loaded) {
          this.loaded = true;
          this.changed();
        }
      } while (before !== null);
    }
    if (!first) {
      this.incidents.clear();
      for (const [id, inc] of fresh) this.incidents.set(id, inc);
    }
    this.loaded = true;
    this.complete = true;
    this.changed();
  }

  /** Applies one timeline entry from the stream. */
  apply(entry: EntryView): void {
    const id = entry.incident;
    if (id === null) return;
    const known = this.incidents.get(id);
    const detail = entry.detail as Record<string, unknown>;
    switch (entry.kind) {
      case 'firing':
        if (known === undefined) {
          this.incidents.set(id, {
            id,
            rule: entry.rule,
            severity: entry.labels.severity ?? 'warning',
            state: 'firing',
            labels: entry.labels,
            value: (detail.value ?? null) as IncidentView['value'],
            summary: typeof detail.summary === 'string' ? detail.summary : '',
            openedAt: entry.time,
            ackedAt: null,
            ackedBy: null,
            resolvedAt: null,
            resolvedBy: null,
            alertFiring: true,
          });
        } else this.incidents.set(id, { ...known, alertFiring: true, value: (detail.value ?? known.value) as IncidentView['value'] });
        break;
      case 'acked':
        if (known !== undefined) this.incidents.set(id, { ...known, state: 'acknowledged', ackedAt: entry.time, ackedBy: typeof detail.by === 'string' ? detail.by : null });
        break;
      case 'resolved':
        if (known === undefined) return;
        this.incidents.delete(id);
        this.heldBy.delete(id);
        break;
      case 'silenced':
      case 'inhibited':
        if (typeof detail.by === 'string') this.heldBy.set(id, `${entry.kind === 'inhibited' ? 'suppressed' : 'silenced'}: ${detail.by}`);
        break;
      default:
        return;
    }
    this.changed();
  }

  /** Every open incident, most severe and newest first. */
  list(): IncidentView[] {
    this.sorted ??= [...this.incidents.values()].sort(compareIncidents);
    return this.sorted;
  }

  /** Calls `listener` after each change; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.sorted = undefined;
    this.version++;
    for (const l of this.listeners) l();
  }
}
