/**
 * RFC 3164 (BSD) syslog messages: `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG`, read the
 * way collectors read them, since senders differ:
 *
 * - the timestamp is `Mmm dd hh:mm:ss` (day padded with a space or a zero) in the
 *   collector's local zone, in the year that puts it at most two days ahead of now (the
 *   format has no year); an RFC 3339 timestamp instead (rsyslog's `RSYSLOG_ForwardFormat`)
 *   is taken as it is. Without a timestamp, everything after PRI is the message (RFC
 *   3164 section 4.3.2) and the event gets its arrival time;
 * - after the timestamp comes the host, unless the next word is already a tag with its
 *   colon (`app[123]:` or `app:`, as local senders write it);
 * - the word after the host is the tag, as rsyslog reads it: up to 48 characters before
 *   `[`, `:` or a space, then `[PID]` (the `procid`) and the colon, both optional (rsyslog
 *   forwards `host app[123] msg`); the message is what follows, without a trailing line break.
 *
 * Only a missing or bad PRI makes a frame malformed: whatever follows it is some message.
 */
import { parseIsoTime } from '../event-validator.js';
import type { SyslogParse } from './syslog-message.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const BSD_TIME = /^([A-Z][a-z]{2}) ([ 0]?[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):([0-5]\d):([0-5]\d|60) /;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2}) /;
/** A tag with its colon (`app[123]:`, `app:`): a local sender's, with no host before it. */
const TAG = /^([^\s[\]:]{1,48})(?:\[([^\]\s]{1,128})\])?:(?: |$)/;
/** The word after the host is the tag, colon or not (rsyslog forwards `host app[123] msg`). */
const TAG_AFTER_HOST = /^([^\s[\]:]{1,48})(?:\[([^\]\s]{1,128})\])?:?(?: |$)/;
/** A yearless timestamp more than this ahead of now is last year's (a sender's clock a little fast is tolerated). */
const AHEAD_MS = 2 * 24 * 3600_000;

/** Epoch ms of a yearless BSD timestamp, in the local zone, in the latest year that is at most two days past `now`. */
function bsdTime(m: RegExpExecArray, now: number): number | undefined {
  const month = MONTHS.indexOf(m[1]!);
  if (month < 0) return undefined;
  const day = Number(m[2]!.trim());
  const year = new Date(now).getFullYear();
  for (const y of [year + 1, year, year - 1]) {
    const t = new Date(y, month, day, Number(m[3]), Number(m[4]), Number(m[5])).getTime();
    // Feb 29 in a year without it rolls to Mar 1: not that date.
    if (new Date(t).getDate() !== day) continue;
    if (t <= now + AHEAD_MS) return t;
  }
  return undefined;
}

function trimLineBreak(text: string): string {
  let end = text.length;
  if (text.charCodeAt(end - 1) === 0x0a) end--;
  if (text.charCodeAt(end - 1) === 0x0d) end--;
  return end === text.length ? text : text.slice(0, end);
}

/**
 * Parses one RFC 3164 message; `pri` and `next` come from `parsePri` (the timestamp
 * starts at `next`); `now` (epoch ms) dates yearless timestamps.
 */
export function parseRfc3164(text: string, pri: number, next: number, now: number): SyslogParse {
  const facility = pri >> 3;
  const severity = pri & 7;
  let rest = trimLineBreak(text.slice(next));
  let time: number | undefined;
  const bsd = BSD_TIME.exec(rest);
  if (bsd !== null) {
    time = bsdTime(bsd, now);
    rest = rest.slice(bsd[0].length);
  } else {
    const iso = ISO_TIME.exec(rest);
    if (iso !== null) {
      time = parseIsoTime(iso[0].slice(0, -1));
      rest = rest.slice(iso[0].length);
    } else {
      return { ok: true, message: { facility, severity, time: undefined, host: undefined, app: undefined, procid: undefined, msgid: undefined, labels: undefined, message: rest } };
    }
  }
  let host: string | undefined;
  let tag = TAG.exec(rest);
  if (tag === null) {
    const sp = rest.indexOf(' ');
    if (sp > 0) {
      host = rest.slice(0, sp);
      rest = rest.slice(sp + 1);
    } else if (rest !== '') {
      host = rest;
      rest = '';
    }
    tag = TAG_AFTER_HOST.exec(rest);
  }
  let app: string | undefined;
  let procid: string | undefined;
  if (tag !== null) {
    app = tag[1];
    procid = tag[2];
    rest = rest.slice(tag[0].length);
  }
  return { ok: true, message: { facility, severity, time, host, app, procid, msgid: undefined, labels: undefined, message: rest } };
}
