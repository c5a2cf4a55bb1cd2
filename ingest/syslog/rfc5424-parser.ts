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
import { parseIsoTime } from '../event-validator.js';
import type { SyslogMessage, SyslogParse } from './syslog-message.js';

const SP = 0x20;
const RFC3339 = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:(?:[0-5]\d|60)(?:\.\d{1,6})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/** Thrown inside the parser, caught at its one entry. */
class Malformed {
  constructor(
    readonly error: string,
    readonly at: number,
  ) {}
}

/** Reads one header field (printable ASCII up to `max`) ending at a space; `-` is absent. */
function field(text: string, from: number, max: number, name: string): [string | undefined, number] {
  let i = from;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === SP) break;
    if (c < 0x21 || c > 0x7e) throw new Malformed(`${name} has a character that is not printable ASCII`, i);
  }
  if (i === from) throw new Malformed(`${name} is empty (two spaces in the header)`, i);
  if (i - from > max) throw new Malformed(`${name} is longer than ${max} characters`, from);
  if (i >= text.length) throw new Malformed(`the header ends after ${name}`, i);
  const value = i - from === 1 && text.charCodeAt(from) === 0x2d ? undefined : text.slice(from, i);
  return [value, i + 1];
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

/** Reads STRUCTURED-DATA from `from` (at `[` or `-`); returns the labels and where it ended. */
function structuredData(text: string, from: number, maxLabels: number): [Record<string, string> | undefined, number] {
  if (text.charCodeAt(from) === 0x2d) return [undefined, from + 1];
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
      let value = '';
      let j = nameEnd + 2;
      let run = j;
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
      i = j + 1;
      if (++count > maxLabels) throw new Malformed(`more than ${maxLabels} structured-data parameters`, nameEnd);
      labels[`${id}.${name}`] = value;
    }
  }
  return [labels, i];
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
    let i = next + 2;
    const [stamp, afterStamp] = field(text, i, 64, 'TIMESTAMP');
    let time: number | undefined;
    if (stamp !== undefined) {
      if (!RFC3339.test(stamp)) throw new Malformed(`TIMESTAMP "${stamp}" is not an RFC 3339 time with a zone`, i);
      time = parseIsoTime(stamp);
      if (time === undefined) throw new Malformed(`TIMESTAMP "${stamp}" is not a valid time`, i);
    }
    const [host, afterHost] = field(text, afterStamp, 255, 'HOSTNAME');
    const [app, afterApp] = field(text, afterHost, 48, 'APP-NAME');
    const [procid, afterProc] = field(text, afterApp, 128, 'PROCID');
    const [msgid, afterMsgid] = field(text, afterProc, 32, 'MSGID');
    i = afterMsgid;
    const [labels, afterSd] = structuredData(text, i, maxLabels);
    i = afterSd;
    let message = '';
    if (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== SP) {
        // A frame that ends in a line break right after the structured data has no MSG.
        if (trimLineBreak(text.slice(i)) !== '') throw new Malformed('expected a space after the structured data', i);
      } else {
        i++;
        if (text.charCodeAt(i) === 0xfeff) i++;
        message = trimLineBreak(text.slice(i));
      }
    }
    const m: SyslogMessage = { facility: pri >> 3, severity: pri & 7, time, host, app, procid, msgid, labels, message };
    return { ok: true, message: m };
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, error: e.error, at: e.at };
    throw e;
  }
}
