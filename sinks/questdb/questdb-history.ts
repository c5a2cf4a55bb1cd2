/**
 * Reads back what the QuestDB sink stored: the timeline, incidents (each as of its latest
 * change) and raw events in time order, for the API's history and `vigil backtest`.
 *
 * Every query goes through `/exec`; literals are built by `sqlString`/`sqlTimestamp`/
 * `sqlInteger` only, so no caller text reaches SQL unescaped. A table that does not exist
 * yet (nothing was ever written) reads as empty.
 */

import type { Event } from '../../engine/model/event.js';
import type { IncidentState, TimelineEntry, TimelineKind } from '../../engine/model/incident.js';
import type { QuestDbEndpoint } from './questdb-config.js';
import { questDbExec, QuestDbQueryError, sqlInteger, sqlString, sqlTimestamp, type ExecResult } from './questdb-exec.js';
import { QuestDbTables, toMicros } from './questdb-rows.js';
import type { StoredIncident } from '../../engine/model/incident.js';
import { incidentLimit, type IncidentQuery } from '../../engine/model/incident-query.js';

/** What `createQuestDbHistory` needs. */
export interface QuestDbHistoryOptions {
  /** `http://host:port` of QuestDB's HTTP server. */
  readonly httpUrl: string;
  /** `Authorization` header value, when QuestDB wants credentials. */
  readonly authorization?: string;
  /** Longest one query may take. Default 30,000. */
  readonly timeoutMs?: number;
}

export type { StoredIncident } from '../../engine/model/incident.js';

/** Timeline query, as `GET /v1/timeline` takes it: times in ms, inclusive; `after` an entry id. */
export interface TimelineQuery {
  readonly since?: number;
  readonly until?: number;
  /** Default 500, at most 10,000. */
  readonly limit?: number;
  readonly after?: number;
}

/** Event range: `since <= time < until` (ms). */
export interface EventQuery {
  readonly since?: number;
  readonly until?: number;
  /** Rows per request. Default 10,000. */
  readonly pageSize?: number;
  /** Told about a stored row whose body is not a JSON object; the row is skipped. */
  readonly onBadRow?: (row: { readonly time: number; readonly seq: number; readonly error: string }) => void;
}

/** Read access to the tables the QuestDB sink writes. */
export interface QuestDbHistory {
  /** Timeline entries oldest first (by id), like the incident book's `entries`. */
  timeline(query?: TimelineQuery): Promise<TimelineEntry[]>;
  /** Incidents newest first (by open time), each as of its latest change, filtered on that change. */
  incidents(query?: Omit<IncidentQuery, 'before'>): Promise<StoredIncident[]>;
  /** How many events are stored in the range. */
  countEvents(query?: Pick<EventQuery, 'since' | 'until'>): Promise<number>;
  /** Stored events in time order, equal times in the order vigil saw them; each exactly once. */
  events(query?: EventQuery): AsyncIterable<Event>;
}

function isMissingTable(e: unknown): boolean {
  return e instanceof QuestDbQueryError && !e.unreachable && /table does not exist/i.test(e.reason);
}

function parseObject(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string') return {};
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function parseValue(text: unknown): number | string | boolean | null {
  if (typeof text !== 'string') return null;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : null;
  } catch {
    return null;
  }
}

/** Epoch µs (a LONG column) to ms, null kept. */
function ms(micros: unknown): number | null {
  return typeof micros === 'number' ? micros / 1000 : null;
}

function clampLimit(limit: number | undefined, fallback: number, max: number): number {
  return Math.max(1, Math.min(Math.trunc(limit ?? fallback), max));
}

/** Creates a reader over the tables of `createQuestDbSink` at `options.httpUrl`. */
export function createQuestDbHistory(options: QuestDbHistoryOptions): QuestDbHistory {
  const endpoint: QuestDbEndpoint = {
    httpUrl: options.httpUrl.replace(/\/+$/, ''),
    ...(options.authorization === undefined ? {} : { authorization: options.authorization }),
  };
  const timeoutMs = options.timeoutMs ?? 30_000;

  const query = async (sql: string): Promise<ExecResult | undefined> => {
    try {
      return await questDbExec(endpoint, sql, { timeoutMs });
    } catch (e) {
      if (isMissingTable(e)) return undefined;
      throw e;
    }
  };

  return {
    async timeline(q: TimelineQuery = {}): Promise<TimelineEntry[]> {
      const where: string[] = [];
      if (q.since !== undefined) where.push(`ts >= ${sqlTimestamp(toMicros(q.since))}`);
      if (q.until !== undefined) where.push(`ts <= ${sqlTimestamp(toMicros(q.until))}`);
      if (q.after !== undefined) where.push(`id > ${sqlInteger(q.after)}`);
      const sql =
        `SELECT cast(ts as long) ts, id, incident, rule, kind, labels, detail FROM ${QuestDbTables.timeline}` +
        (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
        ` ORDER BY id, seq LIMIT ${sqlInteger(clampLimit(q.limit, 500, 10_000))}`;
      const result = await query(sql);
      return (result?.dataset ?? []).map((r) => ({
        id: r[1] as number,
        time: ms(r[0])!,
        incident: (r[2] as string | null) ?? null,
        rule: r[3] as string,
        kind: r[4] as TimelineKind,
        labels: parseObject(r[5]) as Record<string, string>,
        detail: parseObject(r[6]),
      }));
    },

    async incidents(q: Omit<IncidentQuery, 'before'> = {}): Promise<StoredIncident[]> {
      // The same filters as the incident book's `matchesIncidentQuery`, as SQL.
      const where = ['rn = 1'];
      if (q.status !== undefined) where.push(`state = ${sqlString(q.status)}`);
      if (q.rule !== undefined) where.push(`rule = ${sqlString(q.rule)}`);
      if (q.since !== undefined) where.push(`(resolved IS NULL OR resolved >= ${sqlTimestamp(toMicros(q.since))})`);
      if (q.until !== undefined) where.push(`opened <= ${sqlTimestamp(toMicros(q.until))}`);
      const sql =
        `SELECT id, rule, state, severity, labels, value_json, summary, cast(opened as long) opened, cast(acked as long) acked, acked_by,` +
        ` cast(resolved as long) resolved, resolved_by, cast(ts as long) ts FROM (` +
        `SELECT *, row_number() OVER (PARTITION BY id ORDER BY ts DESC, seq DESC) rn FROM ${QuestDbTables.incidents}` +
        `) WHERE ${where.join(' AND ')} ORDER BY opened DESC, id DESC LIMIT ${sqlInteger(incidentLimit(q))}`;
      const result = await query(sql);
      return (result?.dataset ?? []).map((r) => ({
        id: r[0] as string,
        rule: r[1] as string,
        state: r[2] as IncidentState,
        severity: r[3] as string,
        labels: parseObject(r[4]) as Record<string, string>,
        value: parseValue(r[5]),
        summary: (r[6] as string | null) ?? '',
        openedAt: ms(r[7])!,
        ackedAt: ms(r[8]),
        ackedBy: (r[9] as string | null) ?? null,
        resolvedAt: ms(r[10]),
        resolvedBy: (r[11] as string | null) ?? null,
        updatedAt: ms(r[12])!,
      }));
    },

    async countEvents(q: Pick<EventQuery, 'since' | 'until'> = {}): Promise<number> {
      const where: string[] = [];
      if (q.since !== undefined) where.push(`ts >= ${sqlTimestamp(toMicros(q.since))}`);
      if (q.until !== undefined) where.push(`ts < ${sqlTimestamp(toMicros(q.until))}`);
      const sql = `SELECT count() FROM ${QuestDbTables.events}` + (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '');
      const result = await query(sql);
      return (result?.dataset[0]?.[0] as number | undefined) ?? 0;
    },

    events(q: EventQuery = {}): AsyncIterable<Event> {
      const pageSize = clampLimit(q.pageSize, 10_000, 1_000_000);
      const since = q.since === undefined ? undefined : toMicros(q.since);
      const until = q.until === undefined ? undefined : toMicros(q.until);
      return {
        async *[Symbol.asyncIterator](): AsyncGenerator<Event> {
          // The cursor is the last (ts, seq) read: the next page starts at that ts, past that seq.
          let cursor: { ts: number; seq: number } | undefined;
          for (;;) {
            const where: string[] = [];
            const lower = cursor?.ts ?? since;
            if (lower !== undefined) where.push(`ts >= ${sqlTimestamp(lower)}`);
            if (until !== undefined) where.push(`ts < ${sqlTimestamp(until)}`);
            if (cursor !== undefined) where.push(`(ts > ${sqlTimestamp(cursor.ts)} OR seq > ${sqlInteger(cursor.seq)})`);
            const sql =
              `SELECT cast(ts as long) ts, seq, body FROM ${QuestDbTables.events}` +
              (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
              ` ORDER BY ts, seq LIMIT ${sqlInteger(pageSize)}`;
            const result = await query(sql);
            const rows = result?.dataset ?? [];
            for (const r of rows) {
              const ts = r[0] as number;
              const seq = r[1] as number;
              let event: unknown;
              let error: string | undefined;
              try {
                event = JSON.parse(r[2] as string);
                if (event === null || typeof event !== 'object' || Array.isArray(event)) error = 'body is not a JSON object';
              } catch (e) {
                error = `body is not JSON: ${(e as Error).message}`;
              }
              if (error === undefined) yield event as Event;
              else q.onBadRow?.({ time: ts / 1000, seq, error });
            }
            if (rows.length < pageSize) return;
            const last = rows[rows.length - 1]!;
            cursor = { ts: last[0] as number, seq: last[1] as number };
          }
        },
      };
    },
  };
}
