/**
 * RFC 5424 syslog messages:
 * `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]`.
 *
 * Strict where the RFC is (a message that breaks it is refused with the reason and the
 * position): header fields are printable US-ASCII within the RFC's lengths (255, 48, 128,
 * 32) or the nil value `-`; the timestamp is RFC 3339 with at most six fraction digits
 * and a zone; structured data is `-` or `[SD-ID PARAM="VALUE" ...]...`, names printable
 * ASCII without `= ] "` or space, up to 32 characters, values with the escapes `\"`, `\\`
 * and `\]` (a backslash before anything else is kept, as the RFC says). A UTF-8 BOM at
 * the start of MSG is dropped, and so is a trailing line break.
 *
 * Written here rather than taken from npm: the syslog parsers there read leniently and
 * never say why a message is malformed, and vigil counts and reports each one.
 */
import type { SyslogMessage, SyslogParse } from './syslog-message.js';

const SP = 0x20;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Thrown inside the parser, caught at its one entry. */
class Malformed {
  constructor(
    readonly error: string,
    readonly at: number,
  ) {}
}

/** Where the field just read ended (one past its space): module state, so a field costs no array. */
let cursor = 0;

/** Reads one header field (printable ASCII up to `max`) ending at a space; `-` is absent. */
function field(text: string, from: number, max: number, name: string): string | undefined {
  let i = from;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === SP) break;
    if (c < 0x21 || c > 0x7e) throw new Malformed(`${name} has a character that is not printable ASCII`, i);
  }
  if (i === from) throw new Malformed(`${name} is empty (two spaces in the header)`, i);
  if (i - from > max) throw new Malformed(`${name} is longer than ${max} characters`, from);
  if (i >= text.length) throw new Malformed(`the header ends after ${name}`, i);
  cursor = i + 1;
  return i - from === 1 && text.charCodeAt(from) === 0x2d ? undefined : text.slice(from, i);
}

/** `n` decimal digits at `at`, or -1. */
function digits(text: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Epoch ms of an RFC 3339 TIMESTAMP as RFC 5424 allows it (`T` and `Z` upper case, at most
 * six fraction digits, a zone), or undefined. Read by hand: it is on every message, and a
 * regular expression and `Date.parse` cost several times more.
 */
export function rfc3339Time(t: string): number | undefined {
  if (t.length < 20 || t.charCodeAt(4) !== 0x2d || t.charCodeAt(7) !== 0x2d || t.charCodeAt(10) !== 0x54 || t.charCodeAt(13) !== 0x3a || t.charCodeAt(16) !== 0x3a) return undefined;
  const year = digits(t, 0, 4);
  const month = digits(t, 5, 2);
  const day = digits(t, 8, 2);
  const hour = digits(t, 11, 2);
  const minute = digits(t, 14, 2);
  const second = digits(t, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1]!)) return undefined;
  let i = 19;
  let ms = 0;
  if (t.charCodeAt(i) === 0x2e) {
    const from = ++i;
    while (i < t.length && i - from < 7) {
      const d = t.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) break;
      // Milliseconds from the first three digits; finer ones are dropped.
      if (i - from < 3) ms += d * (i - from === 0 ? 100 : i - from === 1 ? 10 : 1);
      i++;
    }
    if (i === from || i - from > 6) return undefined;
  }
  let offsetMin = 0;
  const z = t.charCodeAt(i);
  if (z === 0x5a) {
    if (i + 1 !== t.length) return undefined;
  } else if (z === 0x2b || z === 0x2d) {
    const oh = digits(t, i + 1, 2);
    const om = digits(t, i + 4, 2);
    if (i + 6 !== t.length || t.charCodeAt(i + 3) !== 0x3a || oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offsetMin = (z === 0x2b ? 1 : -1) * (oh * 60 + om);
  } else return undefined;
  // A leap second is the last millisecond's neighbour: read as :59.999 would be, one second later.
  return Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), ms) + (second === 60 ? 1000 : 0) - offsetMin * 60_000;
}

/** An SD-NAME (SD-ID or PARAM-NAME): printable ASCII but `= ] "` and space, 1-32 characters. */
function sdName(text: string, from: number, what: string): number {
  let i = from;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === SP || c === 0x3d || c === 0x5d || c === 0x22) break;
    if (c < 0x21 || c > 0x7e) throw new Malformed(`${what} has a character that is not printable ASCII`, i);
  }
  if (i === from) throw new Malformed(`${what} is empty`, from);
  if (i - from > 32) throw new Malformed(`${what} is longer than 32 characters`, from);
  return i;
}

/** Label keys `sdid.param` by SD-ID and name, so each is built once rather than per message. */
const labelKeys = new Map<string, Map<string, string>>();
const MAX_CACHED_IDS = 1000;

function labelKey(id: string, name: string): string {
  let names = labelKeys.get(id);
  if (names === undefined) {
    if (labelKeys.size >= MAX_CACHED_IDS) labelKeys.clear();
    labelKeys.set(id, (names = new Map()));
  }
  let key = names.get(name);
  if (key === undefined) {
    if (names.size >= MAX_CACHED_IDS) names.clear();
    names.set(name, (key = `${id}.${name}`));
  }
  return key;
}

/** Reads STRUCTURED-DATA from `from` (at `[` or `-`); returns the labels and leaves `cursor` after it. */
function structuredData(text: string, from: number, maxLabels: number): Record<string, string> | undefined {
  if (text.charCodeAt(from) === 0x2d) {
    cursor = from + 1;
    return undefined;
  }
  if (text.charCodeAt(from) !== 0x5b) throw new Malformed('structured data is neither "-" nor "[...]"', from);
  const labels: Record<string, string> = {};
  let count = 0;
  let i = from;
  while (text.charCodeAt(i) === 0x5b) {
    const idEnd = sdName(text, i + 1, 'SD-ID');
    const id = text.slice(i + 1, idEnd);
    i = idEnd;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x5d) {
        i++;
        break;
      }
      if (c !== SP) throw new Malformed(Number.isNaN(c) ? 'structured data is not closed with "]"' : `expected a space or "]" in [${id}]`, i);
      const nameEnd = sdName(text, i + 1, 'PARAM-NAME');
      const name = text.slice(i + 1, nameEnd);
      if (text.charCodeAt(nameEnd) !== 0x3d || text.charCodeAt(nameEnd + 1) !== 0x22) throw new Malformed(`expected ="value" after ${name}`, nameEnd);
      const start = nameEnd + 2;
      const quote = text.indexOf('"', start);
      if (quote < 0) throw new Malformed(`the value of ${id}.${name} is not closed with '"'`, nameEnd + 1);
      const backslash = text.indexOf('\\', start);
      let value: string;
      let j = quote;
      if (backslash < 0 || backslash > quote) value = text.slice(start, quote);
      else {
        // Escapes: \" \\ \] stand for the character; a backslash before anything else stays.
        value = '';
        let run = start;
        j = start;
        for (;;) {
          if (j >= text.length) throw new Malformed(`the value of ${id}.${name} is not closed with '"'`, nameEnd + 1);
          const v = text.charCodeAt(j);
          if (v === 0x22) break;
          if (v === 0x5c) {
            const next = text.charCodeAt(j + 1);
            if (next === 0x22 || next === 0x5c || next === 0x5d) {
              value += text.slice(run, j);
              run = j + 1;
              j += 2;
              continue;
            }
          }
          j++;
        }
        value += text.slice(run, j);
      }
      i = j + 1;
      if (++count > maxLabels) throw new Malformed(`more than ${maxLabels} structured-data parameters`, nameEnd);
      labels[labelKey(id, name)] = value;
    }
  }
  cursor = i;
  return labels;
}

/** Drops one trailing LF (and a CR before it). */
function trimLineBreak(text: string): string {
  let end = text.length;
  if (text.charCodeAt(end - 1) === 0x0a) end--;
  if (text.charCodeAt(end - 1) === 0x0d) end--;
  return end === text.length ? text : text.slice(0, end);
}

/**
 * Parses one RFC 5424 message; `pri` and `next` come from `parsePri` (the version starts
 * at `next`). At most `maxLabels` structured-data parameters.
 */
export function parseRfc5424(text: string, pri: number, next: number, maxLabels = 64): SyslogParse {
  try {
    if (text.charCodeAt(next) !== 0x31 || text.charCodeAt(next + 1) !== SP) throw new Malformed('VERSION is not 1', next);
    const stampAt = next + 2;
    const stamp = field(text, stampAt, 64, 'TIMESTAMP');
    let time: number | undefined;
    if (stamp !== undefined) {
      time = rfc3339Time(stamp);
      if (time === undefined) throw new Malformed(`TIMESTAMP "${stamp}" is not a valid RFC 3339 time with a zone`, stampAt);
    }
    const host = field(text, cursor, 255, 'HOSTNAME');
    const app = field(text, cursor, 48, 'APP-NAME');
    const procid = field(text, cursor, 128, 'PROCID');
    const msgid = field(text, cursor, 32, 'MSGID');
    const labels = structuredData(text, cursor, maxLabels);
    let i = cursor;
    let message = '';
    if (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== SP) {
        // A frame that ends in a line break right after the structured data has no MSG.
        if (trimLineBreak(text.slice(i)) !== '') throw new Malformed('expected a space after the structured data', i);
      } else {
        i++;
        if (text.charCodeAt(i) === 0xfeff) i++;
        message = trimLineBreak(i === 0 ? text : text.slice(i));
      }
    }
    const m: SyslogMessage = { facility: pri >> 3, severity: pri & 7, time, host, app, procid, msgid, labels, message };
    return { ok: true, message: m };
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, error: e.error, at: e.at };
    throw e;
  }
}
