/**
 * A logfmt parser for the Kafka source: `key=value key2="quoted value" flag`, one record
 * per message (the conventions of Heroku's logfmt and go-logfmt).
 *
 * Values, decided here once so rules can rely on them:
 * - an unquoted value that is a plain JSON-style number (`42`, `-0.5`, `1e3`) becomes a
 *   number, except integers outside ±2^53 (ids, which would lose digits) and forms with
 *   leading zeros (`007`), which stay strings;
 * - an unquoted `true` or `false` becomes a boolean, and a bare key (`flag`) is `true`;
 * - `key=` is the empty string; everything else is a string, and a quoted value is always
 *   a string (`code="42"` is `"42"`), so quoting is how a producer keeps text as text.
 *
 * Syntax: pairs are separated by spaces, tabs or line breaks (the whole message is one
 * record). A key is one or more characters other than whitespace, `=` and `"`. An unquoted
 * value runs to the next whitespace and may contain `=` but not `"`. A quoted value
 * understands the escapes `\"`, `\\`, `\/`, `\n`, `\r`, `\t`, `\b`, `\f` and `\uXXXX`;
 * any other escape, an unterminated quote or a control character is an error. When a key
 * appears twice the last value wins.
 */

/** A parsed logfmt value. */
export type LogfmtValue = string | number | boolean;

/** The outcome of parsing one logfmt record: its fields, or why it is not logfmt. */
export type LogfmtResult =
  | { readonly ok: true; readonly fields: Record<string, LogfmtValue> }
  | { readonly ok: false; readonly error: string; /** 0-based position of the problem. */ readonly at: number };

const PLAIN_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** Whether `code` may appear in a key or an unquoted value (`"` and `=` are checked apart). */
function isTextChar(code: number): boolean {
  return code > 0x20 && code !== 0x7f;
}

/** An unquoted value as a number or boolean when it plainly is one, else the text. */
function unquotedValue(text: string): LogfmtValue {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (PLAIN_NUMBER.test(text)) {
    const n = Number(text);
    const integral = !/[.eE]/.test(text);
    if (Number.isFinite(n) && (!integral || Number.isSafeInteger(n))) return n;
  }
  return text;
}

/**
 * Parses one logfmt record (see the file comment for the rules). Fields are returned in an
 * object without a prototype, so a key such as `__proto__` is just a key.
 */
export function parseLogfmt(text: string): LogfmtResult {
  const fields: Record<string, LogfmtValue> = Object.create(null) as Record<string, LogfmtValue>;
  let count = 0;
  const n = text.length;
  let i = 0;
  const fail = (error: string, at: number): LogfmtResult => ({ ok: false, error, at });

  while (i < n) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) break;

    const keyStart = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (isSpace(c) || c === 0x3d /* = */) break;
      if (c === 0x22 /* " */) return fail('a key may not contain \'"\'', i);
      if (!isTextChar(c)) return fail('control character in a key', i);
      i++;
    }
    if (i === keyStart) return fail('a value without a key', i);
    const key = text.slice(keyStart, i);

    if (i >= n || text.charCodeAt(i) !== 0x3d) {
      fields[key] = true;
      count++;
      continue;
    }
    i++; // '='

    if (i < n && text.charCodeAt(i) === 0x22) {
      const quoteAt = i;
      i++;
      let value = '';
      let runStart = i;
      let closed = false;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === 0x22) {
          value += text.slice(runStart, i);
          i++;
          closed = true;
          break;
        }
        if (c < 0x20 || c === 0x7f) return fail('control character in a quoted value (escape it)', i);
        if (c === 0x5c /* \ */) {
          value += text.slice(runStart, i);
          const e = text[i + 1];
          if (e === undefined) return fail('unterminated quoted value', quoteAt);
          if (e === 'u') {
            const hex = text.slice(i + 2, i + 6);
            if (!/^[0-9A-Fa-f]{4}$/.test(hex)) return fail('\\u needs four hex digits', i);
            value += String.fromCharCode(parseInt(hex, 16));
            i += 6;
          } else {
            const unescaped = ESCAPES[e];
            if (unescaped === undefined) return fail(`unknown escape \\${e}`, i);
            value += unescaped;
            i += 2;
          }
          runStart = i;
          continue;
        }
        i++;
      }
      if (!closed) return fail('unterminated quoted value', quoteAt);
      if (i < n && !isSpace(text.charCodeAt(i))) return fail('a closing quote must be followed by whitespace', i);
      fields[key] = value;
      count++;
      continue;
    }

    const valueStart = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (isSpace(c)) break;
      if (c === 0x22) return fail('a quote inside an unquoted value', i);
      if (!isTextChar(c)) return fail('control character in a value', i);
      i++;
    }
    fields[key] = i === valueStart ? '' : unquotedValue(text.slice(valueStart, i));
    count++;
  }

  if (count === 0) return fail('no key=value pairs', 0);
  return { ok: true, fields };
}
