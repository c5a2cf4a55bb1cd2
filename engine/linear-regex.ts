import { RE2JS } from 're2js';

/**
 * Regular expressions that come from rule files and from the API, matched in time linear in
 * the text: RE2 semantics through re2js (a port of RE2, no native build), so no pattern and
 * no event can make matching backtrack (`^(a+)+$` against "aaaa…!" takes as long as any
 * other pattern of its size). vigil's own fixed patterns keep JavaScript's RegExp.
 *
 * Patterns that are literals (alternatives of plain text, each optionally anchored with `^`
 * and `$`) skip the regex engine: `includes`/`startsWith`/`endsWith`/`===`, or with `i` a
 * JavaScript RegExp built from the escaped literals with the `u` flag (Unicode simple case
 * folding, as RE2's). A pattern without quantifiers cannot backtrack past one try per
 * alternative at each position, so that path is linear too.
 */

/** A compiled pattern; `test` is true when the pattern matches (part of, or all of) the text. */
export interface LinearRegex {
  test(text: string): boolean;
}

/** What to compile. */
export interface LinearRegexOptions {
  readonly pattern: string;
  /** Case-insensitive (the rule language's `i`). */
  readonly ignoreCase?: boolean;
  /** Match the whole text, as if written `^(?:pattern)$` (Alertmanager's label matchers). */
  readonly whole?: boolean;
}

/** One alternative of a literal pattern. */
interface LiteralAlternative {
  readonly text: string;
  readonly start: boolean;
  readonly end: boolean;
}

/** Characters that make a pattern more than a literal (RE2's metacharacters, and `]`/`}` to be safe). */
const META = new Set(['.', '+', '*', '?', '(', ')', '[', ']', '{', '}', '^', '$', '|', '\\']);

/** ASCII neither letter nor digit: RE2 and JavaScript both read `\` before one as the character itself. */
function isEscapablePunctuation(c: string): boolean {
  const code = c.charCodeAt(0);
  return code < 0x80 && !/[0-9A-Za-z]/.test(c);
}

/**
 * The pattern as alternatives of plain text, or undefined when it uses anything else. Text
 * holding surrogates is left to RE2, so literal matching never splits a character.
 */
export function literalAlternatives(pattern: string): LiteralAlternative[] | undefined {
  const out: LiteralAlternative[] = [];
  let text = '';
  let start = false;
  let end = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (end) {
      if (c !== '|') return undefined;
    }
    if (c === '|') {
      out.push({ text, start, end });
      text = '';
      start = false;
      end = false;
      continue;
    }
    if (c === '^' && i === 0) {
      start = true;
      continue;
    }
    if (c === '^' && pattern[i - 1] === '|' && text === '' && !start) {
      start = true;
      continue;
    }
    if (c === '$' && (i + 1 === pattern.length || pattern[i + 1] === '|')) {
      end = true;
      continue;
    }
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined || !isEscapablePunctuation(next)) return undefined;
      text += next;
      i++;
      continue;
    }
    if (META.has(c)) return undefined;
    const code = c.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) return undefined;
    text += c;
  }
  out.push({ text, start, end });
  return out;
}

/** Escapes text for a JavaScript RegExp with the `u` flag. */
function escapeForRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

function literalTest(a: LiteralAlternative): (s: string) => boolean {
  const t = a.text;
  if (a.start && a.end) return (s) => s === t;
  if (a.start) return (s) => s.startsWith(t);
  if (a.end) return (s) => s.endsWith(t);
  return (s) => s.includes(t);
}

function literalRegex(alternatives: readonly LiteralAlternative[], ignoreCase: boolean): LinearRegex {
  if (ignoreCase) {
    const source = alternatives.map((a) => `${a.start ? '^' : ''}${escapeForRegExp(a.text)}${a.end ? '$' : ''}`).join('|');
    const re = new RegExp(source, 'iu');
    return { test: (s) => re.test(s) };
  }
  if (alternatives.length === 1) return { test: literalTest(alternatives[0]!) };
  const tests = alternatives.map(literalTest);
  return {
    test: (s) => {
      for (const t of tests) if (t(s)) return true;
      return false;
    },
  };
}

/** The RE2 flags for the options. */
function flagsOf(options: LinearRegexOptions): number {
  return options.ignoreCase === true ? RE2JS.CASE_INSENSITIVE : 0;
}

/**
 * Why RE2 refuses the pattern (its own message, e.g. "invalid or unsupported Perl syntax:
 * `(?=`" for lookahead, "invalid escape sequence: `\1`" for a backreference), or undefined
 * when it compiles.
 */
export function linearRegexProblem(options: LinearRegexOptions): string | undefined {
  try {
    RE2JS.compile(options.pattern, flagsOf(options));
    return undefined;
  } catch (e) {
    return (e as Error).message.replace(/^error parsing regexp: /, '');
  }
}

/**
 * Compiles a pattern for linear-time matching; throws when RE2 refuses it (check with
 * {@link linearRegexProblem} first where the pattern is user input).
 */
export function compileLinearRegex(options: LinearRegexOptions): LinearRegex {
  const re = RE2JS.compile(options.pattern, flagsOf(options));
  const literal = literalAlternatives(options.pattern);
  if (literal !== undefined) {
    const alternatives = options.whole === true ? literal.map((a) => ({ text: a.text, start: true, end: true })) : literal;
    return literalRegex(alternatives, options.ignoreCase === true);
  }
  if (options.whole === true) return { test: (s) => re.testExact(s) };
  return { test: (s) => re.test(s) };
}
