/** One write made over the API, as the audit log keeps it (before it gets its id and time). */
export interface AuditRecord {
  /** The token's name, or `anonymous` when no tokens are configured. */
  readonly who: string;
  /** The token's role (`admin` for anonymous). */
  readonly role: string;
  /** The client's address. */
  readonly from: string;
  /** What was done: `ack`, `resolve`, `comment`, `silence`, `unsilence`, `reload`, `approve`, `run`, `pause`. */
  readonly action: string;
  /** The request's method and route pattern, e.g. `POST /v1/incidents/:id/ack`. */
  readonly route: string;
  /** The id or name acted on, if any (incident, silence, run, playbook). */
  readonly target: string | null;
  /** The HTTP status answered. */
  readonly status: number;
  /** A short account of the request (reason, matchers, error), capped in length. */
  readonly summary: string;
}

/** An audit entry: the record with its sequence number and clock time. */
export interface AuditEntry extends AuditRecord {
  readonly id: number;
  readonly time: number;
}

/** The log as plain data, for snapshots. */
export interface AuditLogState {
  readonly nextId: number;
  readonly entries: readonly AuditEntry[];
}

/** Most entries kept in memory and snapshots; older ones remain only in old journal segments. */
export const MAX_AUDIT_ENTRIES = 10_000;

/**
 * Who changed what over the API, and when: a bounded, ordered list of entries that lives in
 * the core's state, so it is journaled with every other input and survives a restart.
 * Deterministic: the same records at the same times give the same ids.
 */
export class AuditLog {
  private entries: AuditEntry[] = [];
  private nextId = 1;

  constructor(private readonly max = MAX_AUDIT_ENTRIES) {}

  /** Appends a record at `time`; the oldest entry goes once the log is full. */
  record(record: AuditRecord, time: number): AuditEntry {
    const entry: AuditEntry = { id: this.nextId++, time, ...record };
    this.entries.push(entry);
    // Dropping in chunks keeps appends O(1) amortised.
    if (this.entries.length > this.max + this.max / 10) this.entries = this.entries.slice(this.entries.length - this.max);
    return entry;
  }

  /** Entries with time ≥ `since` and id above `after`, oldest first, at most `limit`. */
  list(query: { readonly since?: number; readonly after?: number; readonly limit?: number }): AuditEntry[] {
    const out: AuditEntry[] = [];
    const limit = query.limit ?? 100;
    const start = this.entries.length > this.max ? this.entries.length - this.max : 0;
    for (let i = start; i < this.entries.length && out.length < limit; i++) {
      const e = this.entries[i]!;
      if (query.after !== undefined && e.id <= query.after) continue;
      if (query.since !== undefined && e.time < query.since) continue;
      out.push(e);
    }
    return out;
  }

  snapshot(): AuditLogState {
    return { nextId: this.nextId, entries: this.entries.slice(-this.max) };
  }

  restore(state: AuditLogState): void {
    this.nextId = state.nextId;
    this.entries = [...state.entries];
  }
}
