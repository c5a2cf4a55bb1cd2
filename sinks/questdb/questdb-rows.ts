/**
 * vigil's QuestDB tables: their DDL, the compact row form the sink buffers and spools (a
 * JSON array per row, so a spool file is plain NDJSON), and how a row becomes ILP.
 *
 * Every table has a designated timestamp `ts` and a `seq` LONG: the sink's write order,
 * unique and increasing across restarts. `(ts, seq)` is each table's dedup key, so a batch
 * sent twice (a timeout after QuestDB had committed it, a spool file resent after a crash)
 * is stored once, and ordering by `(ts, seq)` gives events with equal times in the order
 * vigil saw them.
 */

import type { Event } from '../../engine/model/event.js';
import type { Incident, TimelineEntry } from '../../engine/model/incident.js';

/** The table names, fixed: the history reader and `vigil backtest` read them. */
export const QuestDbTables = {
  events: 'vigil_events',
  timeline: 'vigil_timeline',
  incidents: 'vigil_incidents',
} as const;

/** `CREATE TABLE IF NOT EXISTS` for every table; run before the first write. */
export const QUESTDB_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS ${QuestDbTables.events} (
    ts TIMESTAMP, seq LONG, stream SYMBOL, body STRING
  ) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, seq)`,
  `CREATE TABLE IF NOT EXISTS ${QuestDbTables.timeline} (
    ts TIMESTAMP, seq LONG, id LONG, incident SYMBOL, rule SYMBOL, kind SYMBOL, labels STRING, detail STRING
  ) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, seq)`,
  `CREATE TABLE IF NOT EXISTS ${QuestDbTables.incidents} (
    ts TIMESTAMP, seq LONG, id SYMBOL, rule SYMBOL, state SYMBOL, severity SYMBOL, labels STRING,
    value DOUBLE, value_json STRING, summary STRING,
    opened TIMESTAMP, acked TIMESTAMP, acked_by STRING, resolved TIMESTAMP, resolved_by STRING
  ) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, seq)`,
];

/** A `vigil_events` row: `['e', tsMicros, seq, stream, body]`. */
export type EventRow = [kind: 'e', ts: number, seq: number, stream: string, body: string];

/** A `vigil_timeline` row: `['t', tsMicros, seq, id, incident, rule, kind, labels, detail]`. */
export type TimelineRow = [kind: 't', ts: number, seq: number, id: number, incident: string | null, rule: string, entryKind: string, labels: string, detail: string];

/**
 * A `vigil_incidents` row: `['i', tsMicros, seq, id, rule, state, severity, labels, valueJson,
 * summary, openedMicros, ackedMicros, ackedBy, resolvedMicros, resolvedBy]`.
 */
export type IncidentRow = [
  kind: 'i',
  ts: number,
  seq: number,
  id: string,
  rule: string,
  state: string,
  severity: string,
  labels: string,
  valueJson: string,
  summary: string,
  opened: number,
  acked: number | null,
  ackedBy: string | null,
  resolved: number | null,
  resolvedBy: string | null,
];

/** Any buffered row. */
export type QuestDbRow = EventRow | TimelineRow | IncidentRow;

/** Epoch ms (possibly fractional) to integer epoch µs. */
export function toMicros(ms: number): number {
  return Math.round(ms * 1000);
}

/** The row of an event: designated timestamp = event time, body = the event as JSON. */
export function eventRow(event: Event, seq: number): EventRow {
  return ['e', toMicros(event.time), seq, event.stream, JSON.stringify(event)];
}

/** The row of a timeline entry. */
export function timelineRow(entry: TimelineEntry, seq: number): TimelineRow {
  return ['t', toMicros(entry.time), seq, entry.id, entry.incident, entry.rule, entry.kind, JSON.stringify(entry.labels), JSON.stringify(entry.detail)];
}

/** The row of an incident as it is now; `time` is when it changed (default: its latest own time). */
export function incidentRow(incident: Incident, seq: number, time?: number): IncidentRow {
  const at = time ?? Math.max(incident.openedAt, incident.ackedAt ?? -Infinity, incident.resolvedAt ?? -Infinity);
  return [
    'i',
    toMicros(at),
    seq,
    incident.id,
    incident.rule,
    incident.state,
    incident.severity,
    JSON.stringify(incident.labels),
    JSON.stringify(incident.value),
    incident.summary,
    toMicros(incident.openedAt),
    incident.ackedAt === null ? null : toMicros(incident.ackedAt),
    incident.ackedBy,
    incident.resolvedAt === null ? null : toMicros(incident.resolvedAt),
    incident.resolvedBy,
  ];
}

/** About how many bytes a row holds (strings by length, numbers by 8): for the buffer's bound. */
export function rowBytes(row: QuestDbRow): number {
  let n = 48;
  for (let i = 3; i < row.length; i++) {
    const v = row[i];
    n += typeof v === 'string' ? v.length + 3 : 9;
  }
  return n;
}

/** The parts of the ILP sender a row is written with (the `Sender` of `@questdb/nodejs-client`). */
export interface RowSender {
  table(name: string): RowSender;
  symbol(name: string, value: unknown): RowSender;
  stringColumn(name: string, value: string): RowSender;
  intColumn(name: string, value: number): RowSender;
  floatColumn(name: string, value: number): RowSender;
  timestampColumn(name: string, value: number, unit?: 'us' | 'ms'): RowSender;
  at(timestamp: number, unit?: 'us' | 'ms'): Promise<void>;
}

/**
 * Writes one row into the sender's buffer. With auto-flush off `at` only appends, so its
 * promise is not awaited (one microtask fewer per row).
 */
export function encodeRow(s: RowSender, row: QuestDbRow): void {
  switch (row[0]) {
    case 'e':
      s.table(QuestDbTables.events).symbol('stream', row[3]).intColumn('seq', row[2]).stringColumn('body', row[4]);
      void s.at(row[1], 'us');
      return;
    case 't': {
      s.table(QuestDbTables.timeline);
      if (row[4] !== null) s.symbol('incident', row[4]);
      s.symbol('rule', row[5]).symbol('kind', row[6]).intColumn('seq', row[2]).intColumn('id', row[3]).stringColumn('labels', row[7]).stringColumn('detail', row[8]);
      void s.at(row[1], 'us');
      return;
    }
    case 'i': {
      s.table(QuestDbTables.incidents).symbol('id', row[3]).symbol('rule', row[4]).symbol('state', row[5]).symbol('severity', row[6]);
      s.intColumn('seq', row[2]).stringColumn('labels', row[7]).stringColumn('value_json', row[8]).stringColumn('summary', row[9]);
      const value: unknown = JSON.parse(row[8]);
      if (typeof value === 'number' && Number.isFinite(value)) s.floatColumn('value', value);
      s.timestampColumn('opened', row[10], 'us');
      if (row[11] !== null) s.timestampColumn('acked', row[11], 'us');
      if (row[12] !== null) s.stringColumn('acked_by', row[12]);
      if (row[13] !== null) s.timestampColumn('resolved', row[13], 'us');
      if (row[14] !== null) s.stringColumn('resolved_by', row[14]);
      void s.at(row[1], 'us');
      return;
    }
  }
}

/** Checks a row read back from a spool file; undefined when it is not one this version writes. */
export function checkRow(value: unknown): QuestDbRow | undefined {
  if (!Array.isArray(value) || typeof value[1] !== 'number' || !Number.isSafeInteger(value[1]) || typeof value[2] !== 'number' || !Number.isSafeInteger(value[2])) return undefined;
  const str = (i: number): boolean => typeof value[i] === 'string';
  const strOrNull = (i: number): boolean => value[i] === null || typeof value[i] === 'string';
  const micros = (i: number): boolean => typeof value[i] === 'number' && Number.isSafeInteger(value[i]);
  const microsOrNull = (i: number): boolean => value[i] === null || micros(i);
  switch (value[0]) {
    case 'e':
      return value.length === 5 && str(3) && str(4) ? (value as EventRow) : undefined;
    case 't':
      return value.length === 9 && micros(3) && strOrNull(4) && str(5) && str(6) && str(7) && str(8) ? (value as TimelineRow) : undefined;
    case 'i':
      return value.length === 15 &&
        [3, 4, 5, 6, 7, 8, 9].every(str) &&
        micros(10) &&
        microsOrNull(11) &&
        strOrNull(12) &&
        microsOrNull(13) &&
        strOrNull(14)
        ? (value as IncidentRow)
        : undefined;
    default:
      return undefined;
  }
}
