import type { Event } from '../../engine/model/event.js';

/**
 * One syslog message after its header is read, whichever RFC it came in (5424 or 3164).
 * Absent header fields (RFC 5424's `-`) are undefined.
 */
export interface SyslogMessage {
  /** 0-23, from PRI. */
  readonly facility: number;
  /** 0-7, from PRI. */
  readonly severity: number;
  /** Epoch ms from the header's timestamp; undefined when it carried none. */
  readonly time: number | undefined;
  readonly host: string | undefined;
  readonly app: string | undefined;
  readonly procid: string | undefined;
  readonly msgid: string | undefined;
  /** RFC 5424 structured data, one `sdid.param` key per parameter. */
  readonly labels: Record<string, string> | undefined;
  readonly message: string;
}

/** The outcome of parsing one frame: the message, or why it is not syslog and where (0-based). */
export type SyslogParse = { readonly ok: true; readonly message: SyslogMessage } | { readonly ok: false; readonly error: string; readonly at: number };

/** Syslog severities 0-7 as the `level` field spells them. */
export const SEVERITY_NAMES: readonly string[] = ['emerg', 'alert', 'crit', 'error', 'warning', 'notice', 'info', 'debug'];

/** Syslog facilities 0-23 by their usual keywords (RFC 5424 table 1, rsyslog's names). */
export const FACILITY_NAMES: readonly string[] = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp',
  'ntp', 'audit', 'alert', 'clock', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
];

/**
 * The event a syslog message becomes: `host app procid msgid` from the header (left out
 * when absent), `facility` and `level` by name, `message`, `labels` from structured data,
 * and `time` from the header or, without one, `now`.
 */
export function syslogEvent(m: SyslogMessage, stream: string, now: number): Event {
  const e: Record<string, unknown> = { stream, time: m.time ?? now };
  if (m.host !== undefined) e.host = m.host;
  if (m.app !== undefined) e.app = m.app;
  if (m.procid !== undefined) e.procid = m.procid;
  if (m.msgid !== undefined) e.msgid = m.msgid;
  e.facility = FACILITY_NAMES[m.facility];
  e.level = SEVERITY_NAMES[m.severity];
  e.message = m.message;
  if (m.labels !== undefined) e.labels = m.labels;
  return e as Event;
}
