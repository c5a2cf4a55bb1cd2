import { checkMatchers, matcherAccepts, type Matcher } from '../../engine/silences.js';

/**
 * Alertmanager's matcher syntax, as `amtool` and Grafana send it in `filter` parameters:
 * `name="value"`, `name!="value"`, `name=~"regex"`, `name!~"regex"`, the value quoted or
 * not, with `\"`, `\n` and `\\` escapes (after Alertmanager's `pkg/labels/parse.go`).
 */

const MATCHER = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*([\s\S]*?)\s*$/;

/** Parses one matcher, or says why it is not one. */
export function parseMatcher(text: string): { ok: true; matcher: Matcher } | { ok: false; error: string } {
  const m = MATCHER.exec(text);
  if (m === null) return { ok: false, error: `bad matcher format: ${text}` };
  const [, name, op, raw] = m as unknown as [string, string, string, string];
  let rawValue = raw;
  let expectQuote = false;
  if (rawValue.startsWith('"')) {
    rawValue = rawValue.slice(1);
    expectQuote = true;
  }
  let value = '';
  const chars = [...rawValue];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\' && i < chars.length - 1) {
      const next = chars[++i]!;
      value += next === 'n' ? '\n' : next === '"' || next === '\\' ? next : `\\${next}`;
    } else if (c === '"') {
      if (!expectQuote || i < chars.length - 1) return { ok: false, error: `matcher value contains unescaped double quote: ${raw}` };
      expectQuote = false;
    } else value += c;
  }
  if (expectQuote) return { ok: false, error: `matcher value contains unescaped double quote: ${raw}` };
  const matcher: Matcher = { name, value, isRegex: op === '=~' || op === '!~', isEqual: op === '=' || op === '=~' };
  const problem = checkMatchers([matcher]);
  return problem === undefined ? { ok: true, matcher } : { ok: false, error: problem };
}

/** Parses a `filter` query parameter (absent, one value or several). */
export function parseFilter(filter: string | readonly string[] | undefined): { ok: true; matchers: Matcher[] } | { ok: false; error: string } {
  const list = filter === undefined ? [] : typeof filter === 'string' ? [filter] : filter;
  const matchers: Matcher[] = [];
  for (const text of list) {
    const parsed = parseMatcher(text);
    if (!parsed.ok) return parsed;
    matchers.push(parsed.matcher);
  }
  return { ok: true, matchers };
}

/**
 * Alertmanager's filter semantics (`matchFilterLabels`): every matcher must accept the
 * label's value, except that a matcher for the empty value is ignored when the label is
 * absent (`=""`, `=~""`) or present (`!=""`, `!~""`).
 */
export function filterMatches(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  for (const m of matchers) {
    const present = Object.hasOwn(labels, m.name);
    const v = present ? labels[m.name]! : '';
    if (m.value === '' && (m.isEqual ? !present : present)) continue;
    if (!matcherAccepts(m, v)) return false;
  }
  return true;
}
