import { parseRfc3164 } from './rfc3164-parser.js';
import { parseRfc5424 } from './rfc5424-parser.js';
import type { SyslogParse } from './syslog-message.js';
import { parsePri } from './syslog-pri.js';

/**
 * Parses one syslog frame of either kind: after `<PRI>`, a version `1 ` means RFC 5424
 * (read strictly), anything else RFC 3164 (read as collectors do). `now` (epoch ms)
 * dates RFC 3164's yearless timestamps.
 */
export function parseSyslog(text: string, now: number): SyslogParse {
  const pri = parsePri(text);
  if (!pri.ok) return pri;
  if (text.charCodeAt(pri.next) === 0x31 && text.charCodeAt(pri.next + 1) === 0x20) return parseRfc5424(text, pri.pri, pri.next);
  return parseRfc3164(text, pri.pri, pri.next, now);
}
